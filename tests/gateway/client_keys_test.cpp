// API keys administered by id through the real admin listener and a real SQLite store: listed
// without their secret, revoked for their own client only, never the key (or the client) the
// administrator is calling with, and no new key for a disabled client.

#include <gtest/gtest.h>

#include <string>

#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"

namespace fhirgw::gateway {
namespace {

using testsupport::HttpResponse;

class ClientKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const common::Status started = gateway_.start();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::optional<std::string>& token = {}) {
    return gateway_.admin(method, path, {}, token);
  }

  /// POST /admin/v1/clients/{id}/keys: the new key's token ("" when refused).
  std::string addKey(const std::string& clientId) {
    const HttpResponse r = admin("POST", "/admin/v1/clients/" + clientId + "/keys");
    EXPECT_EQ(r.status, 201) << r.body;
    auto doc = common::parseJson(r.body);
    return doc && doc->root().HasMember("key") ? std::string((*doc)["key"].GetString())
                                               : std::string();
  }

  static std::string keyIdOf(const std::string& token) { return token.substr(0, token.find('.')); }
  static std::string secretOf(const std::string& token) {
    return token.substr(token.find('.') + 1);
  }

  bool editorKeyWorks(const std::string& key) {
    return gateway_.api("GET", "/api/v1/rules", {}, key).status == 200;
  }

  static void expectOutcome(const HttpResponse& r, const std::string& code) {
    auto doc = common::parseJson(r.body);
    ASSERT_TRUE(doc.hasValue()) << r.body;
    ASSERT_TRUE(doc->root().HasMember("resourceType")) << r.body;
    EXPECT_STREQ((*doc)["resourceType"].GetString(), "OperationOutcome") << r.body;
    EXPECT_EQ(std::string((*doc)["issue"][0]["code"].GetString()), code) << r.body;
  }

  testsupport::InProcessGateway gateway_;
};

TEST_F(ClientKeysTest, KeysAreListedByIdWithTheirDateAndStateButNeverASecretOrHash) {
  const auto client = gateway_.createClient("editor A", "editor");
  ASSERT_FALSE(client.key.empty());
  gateway_.clock().advance(std::chrono::seconds(5));
  const std::string second = addKey(client.id);

  const HttpResponse r = admin("GET", "/admin/v1/clients/" + client.id + "/keys");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = common::parseJson(r.body);
  ASSERT_TRUE(doc.hasValue() && doc->root().IsArray()) << r.body;
  ASSERT_EQ(doc->root().Size(), 2u) << r.body;
  const auto& first = doc->root()[0];
  EXPECT_EQ(std::string(first["keyId"].GetString()), keyIdOf(client.key));
  EXPECT_EQ(std::string(first["createdAt"].GetString()), "2026-11-22T12:00:00.000Z");
  EXPECT_FALSE(first["revoked"].GetBool());
  EXPECT_EQ(first.MemberCount(), 3u) << r.body;
  EXPECT_EQ(std::string(doc->root()[1]["keyId"].GetString()), keyIdOf(second));
  EXPECT_EQ(std::string(doc->root()[1]["createdAt"].GetString()), "2026-11-22T12:00:05.000Z");
  for (const std::string& token : {client.key, second}) {
    EXPECT_EQ(r.body.find(secretOf(token)), std::string::npos) << r.body;
  }
  EXPECT_EQ(r.body.find("hash"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;

  EXPECT_EQ(admin("GET", "/admin/v1/clients/no-such-client/keys").status, 404);
}

TEST_F(ClientKeysTest, ARevokedKeyStopsWorkingAndTheClientsOtherKeysGoOn) {
  const auto client = gateway_.createClient("editor A", "editor");
  gateway_.clock().advance(std::chrono::seconds(1));  // the listing is oldest first
  const std::string second = addKey(client.id);
  ASSERT_TRUE(editorKeyWorks(client.key));

  const HttpResponse revoked =
      admin("DELETE", "/admin/v1/clients/" + client.id + "/keys/" + keyIdOf(client.key));
  EXPECT_EQ(revoked.status, 204) << revoked.body;
  EXPECT_FALSE(editorKeyWorks(client.key));
  EXPECT_TRUE(editorKeyWorks(second));

  auto doc = common::parseJson(admin("GET", "/admin/v1/clients/" + client.id + "/keys").body);
  ASSERT_TRUE(doc.hasValue());
  EXPECT_TRUE(doc->root()[0]["revoked"].GetBool());
  EXPECT_FALSE(doc->root()[1]["revoked"].GetBool());
  // Revoking it again changes nothing and says so plainly.
  EXPECT_EQ(
      admin("DELETE", "/admin/v1/clients/" + client.id + "/keys/" + keyIdOf(client.key)).status,
      204);
}

TEST_F(ClientKeysTest, AKeyOfAnotherClientIsNotFoundAndStaysActive) {
  const auto a = gateway_.createClient("editor A", "editor");
  const auto b = gateway_.createClient("editor B", "editor");
  const HttpResponse r = admin("DELETE", "/admin/v1/clients/" + b.id + "/keys/" + keyIdOf(a.key));
  EXPECT_EQ(r.status, 404) << r.body;
  expectOutcome(r, "not-found");
  EXPECT_TRUE(editorKeyWorks(a.key));
  EXPECT_EQ(admin("DELETE", "/admin/v1/clients/" + a.id + "/keys/knosuchkey").status, 404);
  EXPECT_EQ(admin("DELETE", "/admin/v1/clients/nobody/keys/" + keyIdOf(a.key)).status, 404);
}

TEST_F(ClientKeysTest, AnAdministratorCannotRevokeTheKeyItCallsWithButAnotherAdminKeyCan) {
  const auto ops = gateway_.createClient("ops", "admin");
  const std::string spare = addKey(ops.id);
  const std::string path = "/admin/v1/clients/" + ops.id + "/keys/" + keyIdOf(ops.key);

  const HttpResponse own = admin("DELETE", path, ops.key);
  EXPECT_EQ(own.status, 409) << own.body;
  expectOutcome(own, "conflict");
  EXPECT_EQ(admin("GET", "/admin/v1/clients", ops.key).status, 200);

  EXPECT_EQ(admin("DELETE", path, spare).status, 204);
  EXPECT_EQ(admin("GET", "/admin/v1/clients", ops.key).status, 401);
  EXPECT_EQ(admin("GET", "/admin/v1/clients", spare).status, 200);
}

TEST_F(ClientKeysTest, AnAdministratorCannotDisableTheClientItCallsAs) {
  const auto ops = gateway_.createClient("ops", "admin");
  const HttpResponse own = admin("DELETE", "/admin/v1/clients/" + ops.id, ops.key);
  EXPECT_EQ(own.status, 409) << own.body;
  expectOutcome(own, "conflict");
  EXPECT_EQ(admin("GET", "/admin/v1/clients", ops.key).status, 200);
  // Another administrator (here the bootstrap token) can.
  EXPECT_EQ(admin("DELETE", "/admin/v1/clients/" + ops.id).status, 204);
  EXPECT_EQ(admin("GET", "/admin/v1/clients", ops.key).status, 401);
}

TEST_F(ClientKeysTest, ADisabledClientGetsNoExtraKeyButAConflictOutcome) {
  const auto client = gateway_.createClient("gone", "editor");
  ASSERT_EQ(admin("DELETE", "/admin/v1/clients/" + client.id).status, 204);
  const HttpResponse r = admin("POST", "/admin/v1/clients/" + client.id + "/keys");
  EXPECT_EQ(r.status, 409) << r.body;
  expectOutcome(r, "conflict");
  EXPECT_EQ(r.body.find("\"key\""), std::string::npos) << r.body;
  auto doc = common::parseJson(admin("GET", "/admin/v1/clients/" + client.id + "/keys").body);
  ASSERT_TRUE(doc.hasValue());
  EXPECT_EQ(doc->root().Size(), 1u);
}

TEST_F(ClientKeysTest, KeyRoutesNeedAnAdministrator) {
  const auto editor = gateway_.createClient("editor A", "editor");
  const std::string keys = "/admin/v1/clients/" + editor.id + "/keys";
  EXPECT_EQ(admin("GET", keys, editor.key).status, 403);
  EXPECT_EQ(admin("DELETE", keys + "/" + keyIdOf(editor.key), editor.key).status, 403);
  EXPECT_EQ(admin("GET", keys, std::string("not-a-key")).status, 401);
  EXPECT_TRUE(editorKeyWorks(editor.key));
}

}  // namespace
}  // namespace fhirgw::gateway
