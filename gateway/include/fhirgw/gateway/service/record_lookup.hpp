#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/delivery_queue.hpp"
#include "fhirgw/store/record_store.hpp"

namespace fhirgw::gateway {

/// One issue of a stored rule outcome as an administrator sees it: the rule, its severity, the
/// FHIR issue type and where in the body. Never its texts (a diagnostic may quote a value).
struct RuleFinding {
  std::string ruleId;  ///< empty for an issue without a rule (a validation issue)
  std::string severity;
  std::string code;
  std::vector<std::string> expression;
};

/// A document of a record: identifiers and metadata only.
struct DocumentSummary {
  std::string id;
  std::optional<std::string> externalId;
  std::string kind;  ///< "report" | "prescription" | "sick-leave"
  common::TimePoint createdAt;
  std::vector<RuleFinding> findings;
};

/// A delivery of a record and, when it is failed or dead, the error class of its latest attempt.
struct DeliverySummary {
  store::Delivery delivery;
  std::optional<store::ErrorClass> lastErrorClass;
};

/// What the admin API shows of a record (GET /admin/v1/records/{id}): ids, states, times, rule
/// IDs and locations, deliveries. Nothing of the patient, the practitioner or the documents'
/// content: the body is never copied here.
struct RecordSummary {
  std::string id;
  std::string clientId;
  std::optional<std::string> externalId;
  std::string status;
  common::TimePoint createdAt;
  /// The latest change: its creation, a document added, a delivery changing state.
  common::TimePoint updatedAt;
  std::optional<common::TimePoint> contentPurgedAt;
  std::vector<RuleFinding> findings;  ///< the record's own outcome (documents have theirs)
  std::vector<DocumentSummary> documents;
  std::vector<DeliverySummary> deliveries;
};

/// The administrator's record lookup: by the gateway's id, whoever the client, or by a client's
/// own external id ("ext:<externalId>", which is unique per client only, so the client is
/// needed). Reads through the store roles; safe to share between threads.
class RecordLookup {
 public:
  /// Both must outlive the lookup (the one store plays both roles).
  RecordLookup(const store::RecordStore& records, const store::DeliveryQueue& deliveries)
      : records_(records), deliveries_(deliveries) {}

  /// The record `reference` names: "{id}" or "ext:<externalId>". clientId, when given, must be
  /// the record's client (another client's record is kNotFound); an ext: reference without it is
  /// kInvalidArgument. Store errors through storeFailure (kNotFound: "no such record").
  common::Result<RecordSummary> find(std::string_view reference,
                                     const std::optional<std::string>& clientId) const;

 private:
  const store::RecordStore& records_;
  const store::DeliveryQueue& deliveries_;
};

/// The findings of a stored OperationOutcome (JSON text); empty for an empty or unreadable one
/// (a purged record's).
std::vector<RuleFinding> ruleFindings(std::string_view outcomeJson);

}  // namespace fhirgw::gateway
