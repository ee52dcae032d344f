#include "http/request_head.hpp"

#include <gtest/gtest.h>

namespace ebcm::http {
namespace {

Request head(std::string target, Fields headers, int version = 11) {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.version = version;
  return r;
}

int status_of(Request r) {
  auto answer = check_head(r);
  return answer ? answer->response.status : 0;
}

TEST(RequestHeadTest, OnlyExactlyChunkedIsATransferEncoding) {
  for (const char* te : {"xchunked", "identity", "gzip", "chunked, identity", "gzip, chunked",
                         "chunked, chunked", "", " , "}) {
    EXPECT_EQ(status_of(head("/", {{"Host", "h"}, {"Transfer-Encoding", te}})), 400) << te;
  }
  EXPECT_EQ(status_of(head("/", {{"Host", "h"}, {"Transfer-Encoding", "chunked"}})), 0);
  EXPECT_EQ(status_of(head("/", {{"Host", "h"}, {"transfer-encoding", " Chunked "}})), 0);
  // Split over two headers, it is still two codings.
  EXPECT_EQ(status_of(head("/", {{"Host", "h"},
                                 {"Transfer-Encoding", "gzip"},
                                 {"Transfer-Encoding", "chunked"}})),
            400);
}

TEST(RequestHeadTest, FramingErrorsCloseTheConnectionTargetErrorsDoNot) {
  Request te = head("/", {{"Host", "h"}, {"Transfer-Encoding", "gzip"}});
  EXPECT_TRUE(check_head(te)->framing);
  Request host = head("/", {});
  EXPECT_TRUE(check_head(host)->framing);
  Request target = head("/bad%zz", {{"Host", "h"}});
  EXPECT_FALSE(check_head(target)->framing);
}

TEST(RequestHeadTest, Http10MayNotCarryTransferEncoding) {
  EXPECT_EQ(status_of(head("/", {{"Transfer-Encoding", "chunked"}}, 10)), 400);
}

TEST(RequestHeadTest, Http11NeedsExactlyOneHost) {
  EXPECT_EQ(status_of(head("/", {})), 400);
  EXPECT_EQ(status_of(head("/", {{"Host", "a"}, {"host", "b"}})), 400);
  EXPECT_EQ(status_of(head("/", {{"Host", "a"}})), 0);
  EXPECT_EQ(status_of(head("/", {}, 10)), 0);  // HTTP/1.0 has no Host requirement
}

TEST(RequestHeadTest, AbsoluteFormTargetsAreAccepted) {
  Request r = head("http://example.org:8080/healthz?x=1", {{"Host", "example.org"}});
  EXPECT_FALSE(check_head(r));
  EXPECT_EQ(r.path, "/healthz");
  ASSERT_EQ(r.query.size(), 1u);
  EXPECT_EQ(r.query[0].second, "1");
  Request root = head("https://example.org", {{"Host", "example.org"}});
  EXPECT_FALSE(check_head(root));
  EXPECT_EQ(root.path, "/");
  for (const char* t : {"*", "example.org:443", "ftp://example.org/x", "mailto:a@b", "x/y"})
    EXPECT_EQ(status_of(head(t, {{"Host", "h"}})), 400) << t;
}

TEST(RequestHeadTest, OriginFormIsDecoded) {
  Request r = head("/a%20b?q=%C3%A5", {{"Host", "h"}});
  EXPECT_FALSE(check_head(r));
  EXPECT_EQ(r.path, "/a b");
  EXPECT_EQ(r.query[0].second, "\xC3\xA5");
  EXPECT_EQ(status_of(head("/a b", {{"Host", "h"}})), 400);
}

TEST(RequestHeadTest, TooLongTargetGets414) {
  EXPECT_EQ(status_of(head("/" + std::string(kMaxTarget, 'a'), {{"Host", "h"}})), 414);
  EXPECT_EQ(status_of(head("/" + std::string(kMaxTarget - 1, 'a'), {{"Host", "h"}})), 0);
}

}  // namespace
}  // namespace ebcm::http
