#include "cli/help.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

namespace ebcm::cli {
namespace {

constexpr size_t kWidth = 100;
constexpr size_t kLeftColumn = 24;

// Word-wraps `text` to kWidth, every line after the first indented by `indent` spaces; the
// first line continues from column `first_col`.
std::string wrap(std::string_view text, size_t indent, size_t first_col) {
  std::string out;
  size_t col = first_col;
  std::istringstream words{std::string(text)};
  std::string word;
  bool first = true;
  while (words >> word) {
    if (!first && col + 1 + word.size() > kWidth) {
      out += '\n';
      out.append(indent, ' ');
      col = indent;
    } else if (!first) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
    first = false;
  }
  return out;
}

// Paragraphs separated by blank lines; lines starting with spaces are kept as they are
// (command lines, lists).
std::string wrap_paragraphs(std::string_view text, size_t indent) {
  std::string out, paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    out.append(indent, ' ');
    out += wrap(paragraph, indent, indent) + "\n";
    paragraph.clear();
  };
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) {
      flush();
      out += '\n';
    } else if (line[0] == ' ') {
      flush();
      out.append(indent, ' ');
      out += line + "\n";
    } else {
      if (!paragraph.empty()) paragraph += ' ';
      paragraph += line;
    }
  }
  flush();
  return out;
}

// "  left        description" with the description wrapped in the right column.
std::string two_columns(const std::string& left, std::string_view desc,
                        size_t column = kLeftColumn) {
  std::string out = "  " + left;
  if (desc.empty()) return out + "\n";
  if (out.size() + 2 > column) {
    out += "\n" + std::string(column, ' ');
  } else {
    out.append(column - out.size(), ' ');
  }
  return out + wrap(desc, column, column) + "\n";
}

std::string option_label(const CLI::Option& opt) {
  if (!opt.nonpositional()) {
    std::string name = opt.get_name(true);
    const int most = opt.get_items_expected_max();
    if (most > 1 && most == opt.get_items_expected_min() && most <= 3) {
      std::string repeated = name;
      for (int i = 1; i < most; ++i) repeated += " " + name;
      return repeated;
    }
    if (most > 1) name += "...";
    return name;
  }
  std::vector<std::string> names;
  for (const auto& s : opt.get_snames()) names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) names.push_back("--" + l);
  std::string label = fmt::format("{}", fmt::join(names, ", "));
  if (opt.get_items_expected_max() > 0) label += " " + opt.get_type_name();
  return label;
}

class HelpFormatter final : public CLI::Formatter {
 public:
  void set(const CLI::App* app, HelpText text) { texts_[app] = std::move(text); }

  const HelpText* find(const CLI::App* app) const {
    auto it = texts_.find(app);
    return it == texts_.end() ? nullptr : &it->second;
  }

  std::string make_help(const CLI::App* app, std::string /*name*/,
                        CLI::AppFormatMode /*mode*/) const override {
    const HelpText* text = find(app);
    std::string out = usage_line(*app) + "\n";
    if (!app->get_description().empty()) out += "\n" + wrap(app->get_description(), 0, 0) + "\n";
    if (text && !text->details.empty()) out += "\n" + wrap_paragraphs(text->details, 0);

    std::string arguments, options;
    for (const CLI::Option* opt : app->get_options()) {
      if (opt->get_group().empty()) continue;  // hidden
      std::string desc = opt->get_description();
      (opt->nonpositional() ? options : arguments) += two_columns(option_label(*opt), desc);
    }
    if (!arguments.empty()) out += "\nArguments:\n" + arguments;
    if (!options.empty()) out += "\nOptions:\n" + options;

    std::string commands;
    for (const CLI::App* sub : app->get_subcommands({})) {
      if (sub->get_group().empty()) continue;
      commands += two_columns(sub->get_name(), sub->get_description());
    }
    if (!commands.empty()) out += "\nCommands:\n" + commands;

    if (text && !text->examples.empty()) {
      out += "\nExamples:\n";
      for (const auto& [line, what] : text->examples) {
        out += "  " + line + "\n";
        if (!what.empty()) out += "      " + wrap(what, 6, 6) + "\n";
      }
    }
    if (text && !text->exit_statuses.empty()) {
      out += "\nExit status:\n";
      for (const auto& [code, what] : text->exit_statuses) {
        out += two_columns(std::to_string(code), what, 6);
      }
    }
    if (text && !text->footer.empty()) out += "\n" + wrap_paragraphs(text->footer, 0);
    return out;
  }

 private:
  std::map<const CLI::App*, HelpText> texts_;
};

std::shared_ptr<HelpFormatter> formatter_of(const CLI::App& app) {
  return std::dynamic_pointer_cast<HelpFormatter>(app.get_formatter());
}

}  // namespace

void install_help_formatter(CLI::App& root) { root.formatter(std::make_shared<HelpFormatter>()); }

void set_help(CLI::App& app, HelpText text) {
  if (auto f = formatter_of(app)) f->set(&app, std::move(text));
}

std::string command_path(const CLI::App& app) {
  std::vector<std::string> names{app.get_name()};
  for (const CLI::App* p = app.get_parent(); p != nullptr; p = p->get_parent()) {
    names.push_back(p->get_name());
  }
  std::reverse(names.begin(), names.end());
  return fmt::format("{}", fmt::join(names, " "));
}

std::string usage_line(const CLI::App& app) {
  if (auto f = formatter_of(app)) {
    if (const HelpText* text = f->find(&app); text && !text->usage.empty()) {
      return "Usage: " + text->usage;
    }
  }
  return "Usage: " + command_path(app) + " [OPTIONS]";
}

}  // namespace ebcm::cli
