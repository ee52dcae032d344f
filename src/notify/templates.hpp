// Message templates: the words of every notification, per channel and language, in files an
// administrator can change (src/notify/templates/<lang>/<name> are built in; a directory of the
// same shape replaces those it has).
//
// Contract: a template is text with {{placeholder}}s. Templates::load() reads the built-in
// templates and those of `dir` (when given) and checks every one: an unknown placeholder, a
// "{{" without "}}", a file for an unknown template name or language, or a template missing in a
// language, is a kInvalidInput naming the file, line and column and what is known, all problems
// at once. render() fills a template: a value is inserted as is into text templates and HTML-
// escaped into .html ones; a list placeholder (functions, backups) becomes "- item" lines in
// text, <ul> in HTML and "a, b" in SMS and voice; a line all of whose placeholders are empty is
// left out (no "Incident bridge: " without a bridge), with at most one blank line where lines
// went; SMS, voice and subject templates become one line, their lines joined by a space. A
// language without templates falls back to English.
// Thread safety: a loaded Templates is immutable.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ebcm::notify {

// The templates every language has: email.subject, email.txt, email.html, sms.txt, voice.txt.
const std::vector<std::string_view>& template_names();
// The placeholders a template may use.
const std::vector<std::string_view>& placeholder_names();

// `s` safe inside HTML or XML text and attribute values (& < > " ' as entities).
std::string escape_markup(std::string_view s);

struct Values {
  std::map<std::string, std::string> text;                // incident_id, why, ...
  std::map<std::string, std::vector<std::string>> lists;  // functions, backups
};

class Templates {
 public:
  static Result<Templates> load(const std::string& dir = "");
  std::string render(std::string_view language, std::string_view name, const Values& v) const;
  std::vector<std::string> languages() const;

 private:
  struct Piece {
    bool placeholder = false;
    std::string text;  // the literal, or the placeholder's name
  };
  using Line = std::vector<Piece>;
  std::map<std::string, std::map<std::string, std::vector<Line>>> by_language_;  // lang → name →
};

}  // namespace ebcm::notify
