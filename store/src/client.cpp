#include "fhirgw/store/client.hpp"

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::store {
namespace {

constexpr common::CodeTable<ClientRole, 2> kRoleNames{{{
    {ClientRole::kEditor, "editor"},
    {ClientRole::kAdmin, "admin"},
}}};

}  // namespace

std::string_view clientRoleName(ClientRole role) { return kRoleNames.code(role); }

std::optional<ClientRole> parseClientRole(std::string_view text) { return kRoleNames.parse(text); }

}  // namespace fhirgw::store
