#include "fhirgw/connectors/file/file_connector.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/connectors/formats/provide_bundle.hpp"
#include "fhirgw/connectors/formats/transaction_bundle.hpp"
#include "fhirgw/connectors/options_reader.hpp"

namespace fhirgw::connectors {
namespace {

namespace fs = std::filesystem;

bool safeFileName(std::string_view id) {
  return !id.empty() && id.size() <= 128 && id.front() != '.' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                  c == '.';
         });
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Makes a rename durable: the folder's entry is on disk, not only the file's data.
bool syncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

void FileConnectorFactory::readOptions(OptionsReader& r, FileConnectorOptions& out) const {
  if (auto dir = r.string("directory", /*required=*/true)) {
    if (dir->empty()) r.error("directory", "must not be empty");
    out.directory = *dir;
  }
  if (auto format = r.string("format")) {
    if (*format == "transaction") {
      out.format = FileFormat::kTransaction;
    } else if (*format == "mhd") {
      out.format = FileFormat::kMhd;
    } else {
      r.error("format", "must be \"transaction\" or \"mhd\"");
    }
  }
  if (auto sourceId = r.string("sourceId")) out.sourceId = *sourceId;
  if (out.format == FileFormat::kMhd && out.sourceId.empty()) {
    r.error("sourceId", "is required with format \"mhd\"");
  }
}

common::Result<std::unique_ptr<FileConnector>> FileConnectorFactory::createTyped(
    FileConnectorOptions options, const ConnectorContext&) const {
  return FileConnector::create(std::move(options));
}

common::Result<FileConnectorOptions> parseFileConnectorOptions(std::string_view optionsJson,
                                                               const std::string& path) {
  return FileConnectorFactory().parseOptions(optionsJson, path);
}

common::Result<std::unique_ptr<FileConnector>> FileConnector::create(FileConnectorOptions options) {
  std::error_code ec;
  const fs::path dir(options.directory);
  if (fs::create_directories(dir, ec)) {
    // Payloads are health data: only the gateway's user may read them.
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (ec || !fs::is_directory(dir) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    return common::invalidArgument("cannot create or write to the folder " + dir.string());
  }
  return std::unique_ptr<FileConnector>(new FileConnector(std::move(options)));
}

fs::path FileConnector::fileFor(std::string_view deliveryId) const {
  return fs::path(options_.directory) / (std::string(deliveryId) + ".json");
}

DeliveryResult FileConnector::deliver(const DeliveryPayload& payload, std::stop_token) {
  if (!safeFileName(payload.deliveryId)) {
    return DeliveryResult::permanent("delivery id cannot name a file").because("bad-delivery-id");
  }
  auto bundle = options_.format == FileFormat::kMhd
                    ? buildProvideBundle(payload, {options_.sourceId})
                    : buildTransactionBundle(payload);
  if (!bundle)
    return DeliveryResult::permanent(bundle.error().message()).because("payload-refused");

  const fs::path target = fileFor(payload.deliveryId);
  // Hidden and unique: a reader of the folder never sees a partial file under a final name.
  const fs::path temp =
      fs::path(options_.directory) /
      ("." + payload.deliveryId + "." + common::hexEncode(common::randomBytes(6)) + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return DeliveryResult::transient(errnoText("create temporary file")).because("file-io");
  const bool written = writeAll(fd, *bundle) && writeAll(fd, "\n");
  const int writeErrno = errno;
  const bool synced = written && ::fsync(fd) == 0;
  const int syncErrno = errno;
  ::close(fd);
  if (!written || !synced) {
    ::unlink(temp.c_str());
    errno = written ? syncErrno : writeErrno;
    return DeliveryResult::transient(errnoText(written ? "fsync" : "write")).because("file-io");
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string message = errnoText("rename");
    ::unlink(temp.c_str());
    return DeliveryResult::transient(message).because("file-io");
  }
  if (!syncDirectory(target.parent_path())) {
    // The file is complete under its name; only its durability across a power cut is in doubt.
    return DeliveryResult::transient(errnoText("fsync folder")).because("file-io");
  }
  return DeliveryResult::success();
}

ProbeResult FileConnector::probe(std::stop_token) const {
  const fs::path dir(options_.directory);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return ProbeResult::failed(ErrorClass::kTransient, "not-writable",
                               "the folder does not exist (or is not a folder)",
                               options_.directory);
  }
  const fs::path temp = dir / (".probe." + common::hexEncode(common::randomBytes(6)) + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return ProbeResult::failed(ErrorClass::kTransient, "not-writable",
                               errnoText("create a file in the folder"), options_.directory);
  }
  const bool written = writeAll(fd, "probe\n") && ::fsync(fd) == 0;
  const std::string writeError = written ? "" : errnoText("write a file in the folder");
  ::close(fd);
  if (::unlink(temp.c_str()) != 0) {
    return ProbeResult::failed(ErrorClass::kTransient, "not-writable",
                               errnoText("remove a file from the folder"), options_.directory);
  }
  if (!written) {
    return ProbeResult::failed(ErrorClass::kTransient, "not-writable", writeError,
                               options_.directory);
  }
  ProbeResult ok;
  ok.ok = true;
  ok.message = "the folder is writable";
  ok.endpoint = options_.directory;
  return ok;
}

}  // namespace fhirgw::connectors
