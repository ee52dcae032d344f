// FakeHttpClient: a scripted HttpClient for unit tests of the feeds (no network).
//
// Contract: each script() adds one answer (a Response or an Error) to the queue of a URL prefix;
// send() takes the next answer of the longest prefix the request's URL starts with (the last
// answer of a queue is kept and repeats once the others are used, so a steady answer needs one
// script call; a repeating answer that was used gives way to the next one scripted). A request no
// prefix matches gets kUnavailable "no scripted answer". Every request is recorded in requests(),
// in order. Thread safety: none; one test thread drives it.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "net/http_client.hpp"

namespace ebcm::net {

class FakeHttpClient final : public HttpClient {
 public:
  void script(std::string url_prefix, Response response) {
    add(std::move(url_prefix), std::move(response));
  }
  void script(std::string url_prefix, Error error) { add(std::move(url_prefix), std::move(error)); }
  // Shorthand: a status and a body (and optional headers).
  void script(std::string url_prefix, int status, std::string body, Headers headers = {}) {
    script(std::move(url_prefix), Response{status, std::move(headers), std::move(body)});
  }

  Result<Response> send(const Request& request) override {
    requests_.push_back(request);
    Queue* best = nullptr;
    size_t best_len = 0;
    for (auto& [prefix, queue] : queues_) {
      if (request.url.starts_with(prefix) && prefix.size() >= best_len && !queue.answers.empty()) {
        best = &queue;
        best_len = prefix.size();
      }
    }
    if (best == nullptr) {
      return make_error(ErrorCode::kUnavailable, "no scripted answer for " + url_host(request.url));
    }
    Answer answer = best->answers.front();
    if (best->answers.size() > 1) {
      best->answers.pop_front();
    } else {
      best->used = true;
    }
    if (std::holds_alternative<Error>(answer)) return std::get<Error>(std::move(answer));
    return std::get<Response>(std::move(answer));
  }

  const std::vector<Request>& requests() const { return requests_; }
  void clear_requests() { requests_.clear(); }
  // How many recorded requests have a URL starting with `prefix`.
  size_t count(std::string_view prefix) const {
    size_t n = 0;
    for (const Request& r : requests_) n += r.url.starts_with(prefix) ? 1 : 0;
    return n;
  }

 private:
  using Answer = std::variant<Response, Error>;
  struct Queue {
    std::deque<Answer> answers;
    bool used = false;  // the one answer left was handed out (it repeats until another comes)
  };
  void add(std::string prefix, Answer answer) {
    Queue& q = queues_[std::move(prefix)];
    if (q.used && q.answers.size() == 1) q.answers.clear();
    q.used = false;
    q.answers.push_back(std::move(answer));
  }
  std::map<std::string, Queue> queues_;
  std::vector<Request> requests_;
};

}  // namespace ebcm::net
