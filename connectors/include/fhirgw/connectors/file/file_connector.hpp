#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/typed_factory.hpp"

namespace fhirgw::connectors {

/// What the file connector writes for each delivery.
enum class FileFormat {
  kTransaction,  ///< the FHIR REST transaction Bundle (conditional creates)
  kMhd,          ///< the IHE MHD ITI-65 Bundle (needs sourceId)
};

/// Options of the `file` connector (`options` of its instance).
struct FileConnectorOptions {
  std::string directory;  ///< created (mode 0700) when missing
  FileFormat format = FileFormat::kTransaction;
  std::string sourceId;  ///< SubmissionSet sourceId OID for format "mhd"
};

/// Parses and checks the options JSON; errors name `path` + ".<key>".
common::Result<FileConnectorOptions> parseFileConnectorOptions(std::string_view optionsJson,
                                                               const std::string& path);

/// Writes each delivery's payload as `<directory>/<delivery id>.json`, atomically: a private
/// temporary file in the same folder, fsync, rename over the final name, fsync of the folder.
/// A retry rewrites the same file, so replays leave one file per delivery. The demo default.
class FileConnector final : public Connector {
 public:
  /// Creates the directory when missing and checks it is writable.
  static common::Result<std::unique_ptr<FileConnector>> create(FileConnectorOptions options);

  std::string_view type() const override { return "file"; }
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override;
  /// The folder exists and a temporary file can be created, synced and removed there.
  ProbeResult probe(std::stop_token stop) const override;

  /// The file a delivery is written to.
  std::filesystem::path fileFor(std::string_view deliveryId) const;

 private:
  explicit FileConnector(FileConnectorOptions options) : options_(std::move(options)) {}
  FileConnectorOptions options_;
};

/// The `file` type: its options, then FileConnector::create (a folder that cannot be created or
/// written is reported at `options.directory`).
class FileConnectorFactory final
    : public TypedConnectorFactory<FileConnectorOptions, FileConnector> {
 public:
  FileConnectorFactory() : TypedConnectorFactory("file", "directory") {}

 protected:
  void readOptions(OptionsReader& reader, FileConnectorOptions& out) const override;
  common::Result<std::unique_ptr<FileConnector>> createTyped(
      FileConnectorOptions options, const ConnectorContext& context) const override;
};

}  // namespace fhirgw::connectors
