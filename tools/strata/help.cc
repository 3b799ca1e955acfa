// `strata help`, the man page and the bash completion (help.h).
#include "help.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/version.h"

namespace strata::cli {
namespace {

// Commands in a named group are shown; an empty group hides a command (CLI11's convention).
std::vector<const CLI::App*> visibleSubcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

void collect(const CLI::App& app, const std::string& prefix,
             std::vector<std::pair<std::string, const CLI::App*>>& out) {
  for (const CLI::App* sub : visibleSubcommands(app)) {
    std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    out.emplace_back(path, sub);
    collect(*sub, path, out);
  }
}

std::vector<std::pair<std::string, const CLI::App*>> allCommands(const CLI::App& root) {
  std::vector<std::pair<std::string, const CLI::App*>> out;
  collect(root, "", out);
  return out;
}

// The first sentence of a description: what `strata help` lists beside each command.
std::string firstSentence(const std::string& text) {
  size_t end = text.find(". ");
  std::string s = end == std::string::npos ? text : text.substr(0, end + 1);
  size_t newline = s.find('\n');
  return newline == std::string::npos ? s : s.substr(0, newline);
}

// The options a command accepts, as completion words ("--db", "-h", ...).
std::vector<std::string> optionWords(const CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    for (const std::string& name : opt->get_lnames()) words.push_back("--" + name);
    for (const std::string& name : opt->get_snames()) words.push_back("-" + name);
  }
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// roff: escape backslashes and hyphens, and protect lines that start with a control character.
std::string roff(std::string_view text) {
  std::string out;
  bool lineStart = true;
  for (char c : text) {
    if (lineStart && (c == '.' || c == '\'')) out += "\\&";
    lineStart = c == '\n';
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

// A command's full name as its usage line shows it: "strata kv get".
std::string fullName(const CLI::App& app) {
  std::string name = app.get_name();
  for (const CLI::App* a = app.get_parent(); a != nullptr; a = a->get_parent()) {
    name.insert(0, a->get_name() + " ");
  }
  return name;
}

// The help text of one command: what `--help` prints for it. Formatted directly (App::help()
// would show the help of the command being run instead, `help` itself).
std::string helpText(const CLI::App& app) {
  return app.get_formatter()->make_help(&app, fullName(app), CLI::AppFormatMode::Normal);
}

const CLI::App* findCommand(const CLI::App& root, const std::vector<std::string>& path,
                            std::string& unknown) {
  const CLI::App* app = &root;
  for (const std::string& word : path) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : visibleSubcommands(*app)) {
      if (sub->get_name() == word) next = sub;
    }
    if (next == nullptr) {
      unknown = word;
      return app;
    }
    app = next;
  }
  return app;
}

std::string commandList(const CLI::App& root) {
  std::string out = "Every command (strata help COMMAND... for its usage and examples):\n";
  auto commands = allCommands(root);
  size_t width = 0;
  for (const auto& [path, app] : commands) width = std::max(width, path.size());
  for (const auto& [path, app] : commands) {
    out += fmt::format("  strata {:<{}}  {}\n", path, width, firstSentence(app->get_description()));
  }
  return out;
}

struct HelpArgs {
  std::vector<std::string> path;
  bool man = false;
  bool completion = false;
  bool commands = false;
};

}  // namespace

std::vector<std::string> commandPaths(const CLI::App& root) {
  std::vector<std::string> paths;
  for (const auto& [path, app] : allCommands(root)) paths.push_back(path);
  return paths;
}

std::string manPage(const CLI::App& root) {
  std::string out;
  out += fmt::format(".TH STRATA 1 \"\" \"strata {}\" \"User Commands\"\n", strata::version());
  out += ".SH NAME\nstrata \\- " +
         roff("command-line tool for the strata transactional key-value store and its layers") +
         "\n";
  out +=
      ".SH SYNOPSIS\n.B strata\n[\\fB\\-\\-db\\fR \\fIURL\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n";
  out += ".br\n.B strata help\n[\\fICOMMAND\\fR...]\n";
  out += ".SH DESCRIPTION\n" + roff(root.get_description()) + "\n";
  out +=
      ".PP\nEvery command below is shown with the text that \\fBstrata help\\fR \\fICOMMAND\\fR "
      "prints: usage, a paragraph, options and examples.\n";
  out += ".SH OPTIONS\n.nf\n" + roff(helpText(root)) + ".fi\n";
  out += ".SH COMMANDS\n";
  for (const auto& [path, app] : allCommands(root)) {
    out += ".SS \"strata " + path + "\"\n.nf\n" + roff(helpText(*app)) + ".fi\n";
  }
  out +=
      ".SH ENVIRONMENT\n.TP\n.B STRATA_DB\nThe database URL when \\fB\\-\\-db\\fR is not given "
      "(default: " +
      roff(kDefaultDatabaseUrl) + ").\n";
  out +=
      ".SH EXIT STATUS\n.TP\n0\nSuccess.\n.TP\n1\nA strata error, printed as \"error: NAME "
      "(CODE): MESSAGE\" with what to do next.\n.TP\n2\nBad arguments; the command's usage is "
      "printed.\n.TP\n3\nAbsent, where a command says so (a missing key or item).\n";
  out +=
      ".SH SEE ALSO\nThe library's guide: /usr/share/doc/strata/GUIDE.md; README.md beside it.\n";
  return out;
}

std::string bashCompletion(const CLI::App& root) {
  std::string subs = "  case \"$1\" in\n";
  std::string words = "  case \"$1\" in\n";
  auto addCase = [&](const std::string& path, const CLI::App& app) {
    std::vector<std::string> children;
    for (const CLI::App* sub : visibleSubcommands(app)) children.push_back(sub->get_name());
    std::vector<std::string> all = children;
    for (const std::string& w : optionWords(app)) all.push_back(w);
    subs += fmt::format("    \"{}\") echo \"{}\" ;;\n", path, join(children));
    words += fmt::format("    \"{}\") echo \"{}\" ;;\n", path, join(all));
  };
  addCase("", root);
  for (const auto& [path, app] : allCommands(root)) addCase(path, *app);
  subs += "  esac\n";
  words += "  esac\n";
  std::string out;
  out += fmt::format("# bash completion for strata {} (generated by `strata help --completion`)\n",
                     strata::version());
  out += "_strata_subcommands() {\n" + subs + "}\n";
  out += "_strata_words() {\n" + words + "}\n";
  out +=
      "_strata() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" i w\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=\"${COMP_WORDS[i]}\"\n"
      "    if [[ \" $(_strata_subcommands \"$path\") \" == *\" $w \"* ]]; then\n"
      "      path=\"${path:+$path }$w\"\n"
      "    fi\n"
      "  done\n"
      "  COMPREPLY=($(compgen -W \"$(_strata_words \"$path\")\" -- \"$cur\"))\n"
      "}\n"
      "complete -o bashdefault -o default -F _strata strata\n";
  return out;
}

void addHelpCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<HelpArgs>();
  CLI::App* help = app.add_subcommand(
      "help",
      "Print the usage, a paragraph and examples for a command; without COMMAND, the global "
      "options and every command with one line each. `strata COMMAND... --help` prints the same "
      "text.");
  help->add_option("COMMAND", args->path, "A command path, for example: kv get");
  help->add_flag("--man", args->man, "Print the man page (roff)")->group("");
  help->add_flag("--completion", args->completion, "Print a bash completion script")->group("");
  help->add_flag("--commands", args->commands, "Print every command path, one per line")->group("");
  help->footer(
      "Examples:\n  strata help\n  strata help kv get\n  strata kv range --help\n"
      "  man strata");
  help->callback([args, &app, &context] {
    if (args->man) {
      fmt::print("{}", manPage(app));
      return;
    }
    if (args->completion) {
      fmt::print("{}", bashCompletion(app));
      return;
    }
    if (args->commands) {
      for (const std::string& path : commandPaths(app)) fmt::print("{}\n", path);
      return;
    }
    std::string unknown;
    const CLI::App* target = findCommand(app, args->path, unknown);
    if (!unknown.empty()) {
      std::string where = fullName(*target);
      fmt::print(stderr,
                 "error: '{}' is not a command of '{}'.\n"
                 "What to do: run 'strata help' for the list of commands.\n",
                 unknown, where);
      context.exitCode = kExitUsage;
      return;
    }
    fmt::print("{}", helpText(*target));
    if (target == &app) fmt::print("\n{}", commandList(app));
  });
}

}  // namespace strata::cli
