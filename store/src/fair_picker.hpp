#pragma once

// Private to the store: the fair order of the delivery claim (docs/storage.md, "Fair order"),
// picked in memory over the records a claim read from a connector's line, for the SQLite and
// PostgreSQL claims alike.

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

namespace fhirgw::store::detail {

/// The fair order of docs/storage.md over some records of a connector's line and their
/// claimable deliveries: each pick takes, from the client with the smallest turn (ties: the
/// client whose head record comes first), its head record, the one with the smallest (turn,
/// place in the line), and that record's oldest claimable delivery (due, then insertion order);
/// the client and the record then get the next turn, which sends them to the back.
///
/// The caller adds the records in each client's line order up to the claim's limit (plus any
/// record with an expired lease): a claim of K picks at most K times from one client, and a
/// picked record goes behind every record not read, so the picks are those over the whole line.
class FairPicker {
 public:
  struct Pick {
    std::string id;
    bool expiredLease = false;
  };

  void addClientTurn(const std::string& clientId, std::int64_t turn) {
    clientTurns_[clientId] = turn;
    maxTurn_ = std::max(maxTurn_, turn);
  }

  bool hasRecord(const std::string& recordId) const { return records_.count(recordId) != 0; }

  /// A record of the line: its client, its turn and its place in the line.
  void addRecord(const std::string& recordId, std::string clientId, std::int64_t turn,
                 std::int64_t place) {
    Record& record = records_[recordId];
    record.clientId = std::move(clientId);
    record.turn = turn;
    record.place = place;
    maxTurn_ = std::max(maxTurn_, turn);
  }

  /// A claimable delivery of a record added before; `order` breaks ties of `due` (insertion
  /// order: SQLite's rowid, PostgreSQL's seq).
  void addDue(std::string id, bool inFlight, const std::string& recordId, std::int64_t due,
              std::int64_t order) {
    records_.at(recordId).items.push_back({due, order, std::move(id), inFlight});
  }

  /// Orders what was added; call once, before the picks. Records without an item are left out.
  void prepare() {
    for (auto& [recordId, record] : records_) {
      if (record.items.empty()) continue;
      // Oldest due last: picks pop from the back.
      std::sort(record.items.begin(), record.items.end(), [](const Item& a, const Item& b) {
        return std::tie(b.due, b.order) < std::tie(a.due, a.order);
      });
      Client& client = clients_[record.clientId];
      client.heads.insert(headOf(recordId, record));
    }
    for (auto& [clientId, client] : clients_) {
      const auto turn = clientTurns_.find(clientId);
      client.turn = turn == clientTurns_.end() ? 0 : turn->second;
    }
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
    const Head head = best->heads.extract(best->heads.begin()).value();
    Record& record = records_.at(*head.recordId);
    Item item = std::move(record.items.back());
    record.items.pop_back();
    const std::int64_t turn = ++maxTurn_;
    record.turn = turn;
    best->turn = turn;
    clientTurns_[*bestId] = turn;
    touchedClients_.insert(*bestId);
    touchedRecords_.insert(*head.recordId);
    if (!record.items.empty()) best->heads.insert(headOf(*head.recordId, record));
    return Pick{std::move(item.id), item.inFlight};
  }

  std::int64_t maxTurn() const { return maxTurn_; }

  /// The turns the picks changed, to store, in id order (the order PostgreSQL locks them in).
  template <typename Fn>
  void forEachChangedClientTurn(Fn&& fn) const {
    for (const std::string& id : touchedClients_) fn(id, clientTurns_.at(id));
  }
  template <typename Fn>
  void forEachChangedRecordTurn(Fn&& fn) const {
    for (const std::string& id : touchedRecords_) fn(id, records_.at(id).turn);
  }

 private:
  struct Item {
    std::int64_t due = 0;
    std::int64_t order = 0;
    std::string id;
    bool inFlight = false;
  };
  struct Record {
    std::string clientId;
    std::vector<Item> items;  // oldest due last
    std::int64_t turn = 0;
    std::int64_t place = 0;
  };
  // A record's place in its client's line: its turn, then where it joined the line (unique).
  struct Head {
    std::int64_t turn = 0;
    std::int64_t place = 0;
    const std::string* recordId = nullptr;
    bool operator<(const Head& o) const {
      return std::tie(turn, place) < std::tie(o.turn, o.place);
    }
  };
  struct Client {
    std::int64_t turn = 0;
    std::set<Head> heads;
  };

  static Head headOf(const std::string& recordId, const Record& record) {
    return {record.turn, record.place, &recordId};
  }

  std::unordered_map<std::string, std::int64_t> clientTurns_;
  std::unordered_map<std::string, Record> records_;  // node-based: Head keeps a key's address
  std::map<std::string, Client> clients_;
  std::set<std::string> touchedClients_;
  std::set<std::string> touchedRecords_;
  std::int64_t maxTurn_ = 0;
};

}  // namespace fhirgw::store::detail
