#pragma once

#include <string>
#include <vector>

#include "fhirgw/domain/body_path.hpp"
#include "fhirgw/rules/rule.hpp"

namespace fhirgw::rules::detail {

// Short builders so each rule reads as its checks.
inline Finding finding(std::string code, std::string expression, std::string fr, std::string en) {
  Finding f;
  f.code = std::move(code);
  f.expression = std::move(expression);
  f.detailsText = std::move(fr);
  f.diagnostics = std::move(en);
  return f;
}

inline Finding missingField(std::string expression, std::string fr) {
  std::string en = "required field is missing: " + expression;
  return finding("required", std::move(expression), std::move(fr), std::move(en));
}

inline Finding notEvaluated(std::string code, std::string expression, std::string fr,
                            std::string en) {
  Finding f = finding(std::move(code), std::move(expression), std::move(fr), std::move(en));
  f.notEvaluated = true;
  return f;
}

}  // namespace fhirgw::rules::detail
