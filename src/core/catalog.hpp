// The message catalog: every word ebcm shows people (the status page, and what is to come:
// notifications, plans, the web app), in each language, from src/core/messages/<code>.json.
//
// Contract: the catalog is compiled in. messages/catalog.cmake reads the files at configure
// time and fails naming the file and the key when a language lacks a key, has one the reference
// language (the first, English) does not, or a key's placeholders differ between languages. Code
// names a text by a generated constant (core/messages.hpp: msg::status::title), so a key that is
// not in the files does not compile. Texts are UTF-8 with named placeholders, "{name}";
// format() fills them and throws std::invalid_argument naming the key when an argument is
// missing or unused (a programming error the unit tests of each caller catch).
// Thread safety: read-only data and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ebcm::catalog {

struct Key {
  uint32_t index;
};
struct Language {
  uint8_t index;
  friend bool operator==(Language, Language) = default;
};

struct Arg {
  std::string_view name, value;
};

size_t key_count();
size_t language_count();
std::string_view key_name(Key key);                       // "status.title"
std::string_view code(Language lang);                     // "en"
std::optional<Language> language(std::string_view code);  // nullopt: no such catalog
std::string_view text(Language lang, Key key);            // the template, placeholders unfilled

// The template with each {name} replaced by its argument's value (not escaped: escape for
// the output format after, or the values before).
std::string format(Language lang, Key key, std::initializer_list<Arg> args = {});

// The distinct placeholder names of a template, sorted: "{a} {b} {a}" → {"a", "b"}.
std::vector<std::string> placeholders(std::string_view text);

}  // namespace ebcm::catalog
