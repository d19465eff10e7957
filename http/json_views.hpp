// How downhill's records look in the API (docs/api.md), in one place.
#pragma once

#include "actors/messages.hpp"
#include "persistence/content_store.hpp"
#include "persistence/record_json.hpp"
#include "persistence/records.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace downhill::http {

using json = nlohmann::json;

using persistence::format_time;
using persistence::log_json;
using persistence::run_json;
using persistence::time_json;

json environment_json(const environment_view& env);
json environment_json(const persistence::environment_record& env);
json entry_json(const persistence::entry_record& entry);
json item_json(const persistence::named_item& item);
json job_json(const persistence::job_record& job);
/// A recurring job as the Recurring Jobs tab lists it.
json recurring_json(const persistence::job_record& job);

/// One page of a list, as every list in docs/api.md answers: {"<key>":
/// [view of each item], "next": the cursor of the last item when the page is
/// full, null when it is not (the list ends here).
template <class Item, class View, class Cursor>
json page_json(const std::string& key, const std::vector<Item>& items,
               int64_t limit, View view, Cursor cursor) {
  json list = json::array();
  for (auto& item : items)
    list.push_back(view(item));
  bool full = !items.empty() && static_cast<int64_t>(items.size()) == limit;
  return json{{key, std::move(list)},
              {"next", full ? json(cursor(items.back())) : json(nullptr)}};
}

} // namespace downhill::http
