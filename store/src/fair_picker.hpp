#pragma once

// Private to the store: the fair order of the delivery claim (docs/storage.md, "Fair order"),
// picked in memory over a connector's due deliveries, for the SQLite and PostgreSQL claims alike.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::store::detail {

/// The fair order of docs/storage.md over the due deliveries of one connector, picked in memory:
/// the same result as picking them one query at a time, each pick taking the smallest (client
/// turn, record turn, due, id) and giving its client and record the next turn.
class FairPicker {
 public:
  struct Pick {
    std::string id;
    bool expiredLease = false;
  };

  void addTurn(const std::string& scope, const std::string& scopeId, std::int64_t turn) {
    (scope == "client" ? clientTurns_ : recordTurns_)[scopeId] = turn;
    maxTurn_ = std::max(maxTurn_, turn);
  }

  void addDue(std::string id, bool inFlight, const std::string& recordId, std::int64_t due) {
    records_[recordId].items.push_back({due, std::move(id), inFlight});
  }

  /// Orders what was added; call once, before the picks. clientOf(recordId) gives the client
  /// of each record that has due deliveries (a Status error stops it).
  template <typename ClientOf>
  common::Status prepare(ClientOf&& clientOf) {
    for (auto& [recordId, record] : records_) {
      FHIRGW_ASSIGN_OR_RETURN(record.clientId, clientOf(recordId));
      // Oldest due last: picks pop from the back.
      std::sort(record.items.begin(), record.items.end(), [](const Item& a, const Item& b) {
        return std::tie(b.due, b.id) < std::tie(a.due, a.id);
      });
      const auto turn = recordTurns_.find(recordId);
      record.turn = turn == recordTurns_.end() ? 0 : turn->second;
      Client& client = clients_[record.clientId];
      client.heads.insert(headOf(recordId, record));
    }
    for (auto& [clientId, client] : clients_) {
      const auto turn = clientTurns_.find(clientId);
      client.turn = turn == clientTurns_.end() ? 0 : turn->second;
    }
    return common::Status::ok();
  }

  /// The next pick, or nullopt when nothing is left.
  std::optional<Pick> next() {
    Client* best = nullptr;
    const std::string* bestId = nullptr;
    for (auto& [clientId, client] : clients_) {
      if (client.heads.empty()) continue;
      if (best == nullptr || std::tie(client.turn, *client.heads.begin()) <
                                 std::tie(best->turn, *best->heads.begin())) {
        best = &client;
        bestId = &clientId;
      }
    }
    if (best == nullptr) return std::nullopt;
    const Head head = std::move(best->heads.extract(best->heads.begin()).value());
    Record& record = records_.at(head.recordId);
    Item item = std::move(record.items.back());
    record.items.pop_back();
    const std::int64_t turn = ++maxTurn_;
    record.turn = turn;
    best->turn = turn;
    clientTurns_[*bestId] = turn;
    recordTurns_[head.recordId] = turn;
    touchedClients_.insert(*bestId);
    touchedRecords_.insert(head.recordId);
    if (!record.items.empty()) best->heads.insert(headOf(head.recordId, record));
    return Pick{std::move(item.id), item.inFlight};
  }

  std::int64_t maxTurn() const { return maxTurn_; }
  /// The turns the picks changed, to store: (scope, id, turn).
  template <typename Fn>
  void forEachChangedTurn(Fn&& fn) const {
    for (const std::string& id : touchedClients_) fn("client", id, clientTurns_.at(id));
    for (const std::string& id : touchedRecords_) fn("record", id, recordTurns_.at(id));
  }

 private:
  struct Item {
    std::int64_t due = 0;
    std::string id;
    bool inFlight = false;
  };
  struct Record {
    std::string clientId;
    std::vector<Item> items;  // oldest due last
    std::int64_t turn = 0;
  };
  // A record's place in its client's line: its turn, then its oldest due delivery.
  struct Head {
    std::int64_t turn = 0;
    std::int64_t due = 0;
    std::string deliveryId;
    std::string recordId;
    bool operator<(const Head& o) const {
      return std::tie(turn, due, deliveryId, recordId) <
             std::tie(o.turn, o.due, o.deliveryId, o.recordId);
    }
  };
  struct Client {
    std::int64_t turn = 0;
    std::set<Head> heads;
  };

  static Head headOf(const std::string& recordId, const Record& record) {
    const Item& item = record.items.back();
    return {record.turn, item.due, item.id, recordId};
  }

  std::unordered_map<std::string, std::int64_t> clientTurns_;
  std::unordered_map<std::string, std::int64_t> recordTurns_;
  std::unordered_map<std::string, Record> records_;
  std::map<std::string, Client> clients_;
  std::set<std::string> touchedClients_;
  std::set<std::string> touchedRecords_;
  std::int64_t maxTurn_ = 0;
};

}  // namespace fhirgw::store::detail
