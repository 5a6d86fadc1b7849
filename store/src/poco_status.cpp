#include "poco_status.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Exception.h>

#include <exception>
#include <new>
#include <string>

namespace fhirgw::store::detail {
namespace {

namespace sqlite = Poco::Data::SQLite;

std::string describe(std::string_view operation, const Poco::Exception& e) {
  // SQLite messages name tables and columns, never bound values: safe for logs.
  return std::string(operation) + ": " + e.displayText();
}

common::Status fromConstraint(std::string_view operation, const Poco::Exception& e) {
  const std::string text = e.displayText();
  if (text.find("UNIQUE") != std::string::npos || text.find("PRIMARY KEY") != std::string::npos) {
    return common::alreadyExists(describe(operation, e));
  }
  if (text.find("FOREIGN KEY") != std::string::npos) {
    return common::failedPrecondition(describe(operation, e));
  }
  return common::invalidArgument(describe(operation, e));
}

}  // namespace

common::Status statusFromCurrentException(std::string_view operation) {
  try {
    throw;
  } catch (const sqlite::DBLockedException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const sqlite::TableLockedException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const sqlite::ConstraintViolationException& e) {
    return fromConstraint(operation, e);
  } catch (const sqlite::DatabaseFullException& e) {
    return common::resourceExhausted(describe(operation, e));
  } catch (const sqlite::NoMemoryException& e) {
    return common::resourceExhausted(describe(operation, e));
  } catch (const sqlite::CorruptImageException& e) {
    return common::Status(common::StatusCode::kDataLoss, describe(operation, e));
  } catch (const sqlite::IOErrorException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const sqlite::CantOpenDBFileException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const sqlite::InterruptException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const sqlite::ReadOnlyException& e) {
    return common::failedPrecondition(describe(operation, e));
  } catch (const sqlite::DBAccessDeniedException& e) {
    return common::failedPrecondition(describe(operation, e));
  } catch (const Poco::Data::ConnectionFailedException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const Poco::Data::NotConnectedException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const Poco::Data::SessionPoolExhaustedException& e) {
    return common::unavailable(describe(operation, e));
  } catch (const Poco::Exception& e) {
    // Bad SQL, a binding or extraction mismatch: a bug in this module.
    return common::internal(describe(operation, e));
  } catch (const std::bad_alloc&) {
    return common::resourceExhausted(std::string(operation) + ": out of memory");
  } catch (const std::exception& e) {
    return common::internal(std::string(operation) + ": " + e.what());
  } catch (...) {
    return common::internal(std::string(operation) + ": unknown exception");
  }
}

}  // namespace fhirgw::store::detail
