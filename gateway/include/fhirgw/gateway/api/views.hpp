#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/gateway/service/record_lookup.hpp"
#include "fhirgw/store/audit_entry.hpp"
#include "fhirgw/store/client.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::gateway {

/// The JSON views of the editor and admin answers (editor-api.md, admin-and-ops.md): values in,
/// JSON out, no health data beyond what the editor sent.
using JsonAllocator = rapidjson::Document::AllocatorType;

/// A JSON string value copied into the allocator.
rapidjson::Value jsonString(std::string_view s, JsonAllocator& a);

/// A stored delivery as the status and admin endpoints show it.
rapidjson::Value deliveryView(const store::Delivery& d, JsonAllocator& a);
/// A stored delivery with its attempt log (GET /admin/v1/deliveries/{id}).
rapidjson::Value deliveryWithAttemptsView(const store::Delivery& d,
                                          const std::vector<store::DeliveryAttempt>& attempts,
                                          JsonAllocator& a);
/// The deliveries a submission queued, as its first answer lists them.
rapidjson::Value queuedDeliveriesView(const std::vector<store::NewDelivery>& deliveries,
                                      JsonAllocator& a);

/// The first answer to an accepted teleconsultation (201), as JSON text.
std::string acceptedRecordView(const store::Submission& sub,
                               const std::optional<std::string>& externalId,
                               const std::vector<fhir::Issue>& kept);
/// The first answer to an accepted document (201), as JSON text.
std::string acceptedDocumentView(const store::Submission& sub, const store::NewDocument& document,
                                 const std::vector<fhir::Issue>& kept);
/// The first answer to an accepted teleconsultation from its parts, written into answer (whose
/// allocator holds outcome, an OperationOutcome value, moved in): the view above, and a replay
/// rebuilt from the stored record (service/idempotency.cpp) give the same bytes.
std::string recordAnswer(rapidjson::Document& answer, const std::string& recordId,
                         const std::optional<std::string>& externalId, rapidjson::Value& outcome,
                         const std::vector<store::NewDocument>& documents,
                         const std::vector<store::NewDelivery>& deliveries);
/// The first answer to an accepted document from its parts (as recordAnswer).
std::string documentAnswer(rapidjson::Document& answer, const std::string& recordId,
                           const store::NewDocument& document, rapidjson::Value& outcome,
                           const std::vector<store::NewDelivery>& deliveries);
/// GET /api/v1/teleconsultations/{id}: the record, its documents and deliveries.
rapidjson::Document recordStatusView(const store::Record& record,
                                     const std::vector<store::Document>& documents,
                                     const std::vector<store::Delivery>& deliveries);

/// GET /admin/v1/records/{id}: identifiers and metadata of a record, never its content.
rapidjson::Document recordSummaryView(const RecordSummary& summary);

/// An API client (without its keys).
rapidjson::Value clientView(const store::Client& c, JsonAllocator& a);
/// An API key as an administrator sees it: id, createdAt, revoked (never its secret or hash).
rapidjson::Value apiKeyView(const store::ApiKeyInfo& k, JsonAllocator& a);
/// One audit entry; its `detail` (what a change touched, key paths only) when it has one.
rapidjson::Value auditEntryView(const store::AuditEntry& e, JsonAllocator& a);

}  // namespace fhirgw::gateway
