#include "base/command_line.h"

#include <algorithm>
#include <charconv>
#include <iostream>

namespace hitless {

CLI::Validator decimalIn(long long min, long long max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::string_view digits = text;
        if (min < 0 && !digits.empty() && digits.front() == '-') digits.remove_prefix(1);
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
          return "'" + text + "' is not a decimal number";
        }
        long long v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
          return text + " is not in " + std::to_string(min) + ".." + std::to_string(max);
        }
        // CLI11 converts with base 0 ("010" would be octal 8): hand it the canonical form.
        text = std::to_string(v);
        return {};
      },
      "");
}

CLI::Option* addPrintFlag(CLI::App& app, const std::string& name, const std::string& description,
                          std::function<std::string()> text) {
  return app.add_flag_callback(
      name,
      [text = std::move(text)] {
        std::cout << text();
        throw CLI::Success();
      },
      description);
}

std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv,
                                    const std::vector<std::string>& value_options) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    const bool joins =
        i > 0 && i + 1 < argc &&
        std::find(value_options.begin(), value_options.end(), a) != value_options.end();
    args.push_back(joins ? a + "=" + argv[++i] : a);
  }
  std::vector<char*> ptrs;
  for (auto& a : args) ptrs.push_back(a.data());
  try {
    app.parse(static_cast<int>(ptrs.size()), ptrs.data());
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::Success&) {
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n"
              << "run '" << app.get_name() << " --help' for the options\n";
    return 2;
  }
  return std::nullopt;
}

void addReleaseFlags(CLI::App& app, const std::string& component, const std::string& release,
                     std::function<std::string()> channels_json) {
  addPrintFlag(app, "--describe",
               "print this binary's release and the message set of each channel it speaks as "
               "JSON, and exit",
               [=] {
                 // Names and releases are plain words: no escaping needed.
                 return "{\n  \"product\": \"hitless-" + component + "\",\n  \"component\": \"" +
                        component + "\",\n  \"release\": \"" + release +
                        "\",\n  \"channels\": " + channels_json() + "\n}\n";
               });
  addPrintFlag(app, "--version", "print the release and exit",
               [=] { return component + " release " + release + "\n"; });
}

}  // namespace hitless
