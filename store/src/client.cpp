#include "fhirgw/store/client.hpp"

namespace fhirgw::store {

std::string_view clientRoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kEditor:
      return "editor";
    case ClientRole::kAdmin:
      return "admin";
  }
  return "editor";
}

std::optional<ClientRole> parseClientRole(std::string_view text) {
  if (text == "editor") return ClientRole::kEditor;
  if (text == "admin") return ClientRole::kAdmin;
  return std::nullopt;
}

}  // namespace fhirgw::store
