#include "http/handlers.hpp"

#include "actors/clock.hpp"
#include "http/entry_input.hpp"
#include "http/json_views.hpp"
#include "http/request_parsing.hpp"
#include "persistence/content_store.hpp"

namespace downhill::http {

namespace {

using persistence::content_store;

/// Runs `work` on the environment named in the path, answering its result,
/// or the org actor's refusal (404, 423).
template <class F>
api_response on_content(core& c, const api_request& r, F work) {
  api_response response;
  auto error = c.with_content(r.param("org"), r.param("env"),
                              [&](content_store& store) {
                                response = work(store);
                              });
  if (error)
    return error_response(error);
  return response;
}

const std::string& valid_entry_id(const api_request& r) {
  return checked_entry_id(r.param("id"));
}

persistence::unsynced_kind kind_of(const api_request& r) {
  auto& k = r.param("kind");
  if (k == "webhooks")
    return persistence::unsynced_kind::webhooks;
  if (k == "integrations")
    return persistence::unsynced_kind::integrations;
  if (k == "presets")
    return persistence::unsynced_kind::presets;
  return persistence::unsynced_kind::teams;
}

/// Each environment holds at most this many of each unsynced kind: lists
/// stay cheap and one tenant cannot grow its stores without bound.
constexpr int64_t max_items_per_kind = 1000;

/// The most entries one import may hold: with the route's body limit, it
/// bounds the memory and the transaction of one request.
constexpr size_t max_import_entries = 10000;

/// The error of a bad import line, with the line's number beside the code.
api_response line_error(const bad_import_line& bad) {
  auto error = bad.error;
  error.message = "Line " + std::to_string(bad.line) + ": " + error.message;
  auto answer = error_response(error);
  auto body = json::parse(answer.body);
  body["error"]["line"] = bad.line;
  answer.body = body.dump();
  return answer;
}

api_response entry_not_found(const std::string& id) {
  return error_response(
    make_error(error_code::not_found, "No entry '" + id + "'."));
}

} // namespace

api_response put_entry(core& c, const api_request& r) {
  auto id = valid_entry_id(r);
  auto in = entry_from(id, r.body);
  auto now = format_time(now_ms());
  return on_content(c, r, [&](content_store& store) {
    return json_response(200, entry_json(store.put_entry(in, now)).dump());
  });
}

api_response import_entries(core& c, const api_request& r) {
  std::vector<persistence::entry_input> entries;
  try {
    entries = entries_from_lines(r.body, max_import_entries);
  } catch (const bad_import_line& bad) {
    return line_error(bad);
  }
  auto now = format_time(now_ms());
  return on_content(c, r, [&](content_store& store) {
    store.import_entries(entries, now);
    return json_response(200, json{{"imported", entries.size()}}.dump());
  });
}

api_response get_entry(core& c, const api_request& r) {
  auto id = valid_entry_id(r);
  return on_content(c, r, [&](content_store& store) {
    auto entry = store.get_entry(id);
    if (!entry)
      return entry_not_found(id);
    return json_response(200, entry_json(*entry).dump());
  });
}

api_response list_entries(core& c, const api_request& r) {
  auto limit = query_int(r, "limit", 100, 1, 1000);
  auto after = r.query.count("after") ? r.query.at("after") : "";
  return on_content(c, r, [&](content_store& store) {
    auto page = page_json("entries", store.list_entries(after, limit), limit,
                          entry_json, [](auto& e) { return e.id; });
    return json_response(200, page.dump());
  });
}

api_response delete_entry(core& c, const api_request& r) {
  auto id = valid_entry_id(r);
  return on_content(c, r, [&](content_store& store) {
    if (!store.delete_entry(id))
      return entry_not_found(id);
    return api_response{204, ""};
  });
}

api_response list_versions(core& c, const api_request& r) {
  auto id = valid_entry_id(r);
  auto limit = query_int(r, "limit", 100, 1, 1000);
  auto after = query_int(r, "after", 0, 0, INT64_MAX);
  return on_content(c, r, [&](content_store& store) {
    auto versions = store.versions(id, after, limit);
    if (versions.empty() && !store.get_entry(id))
      return entry_not_found(id);
    auto page = page_json(
      "versions", versions, limit,
      [](auto& v) {
        return json{{"version", v.version}, {"title", v.title}, {"at", v.at}};
      },
      [](auto& v) { return v.version; });
    return json_response(200, page.dump());
  });
}

api_response search_entries(core& c, const api_request& r) {
  auto limit = query_int(r, "limit", 20, 1, 100);
  auto q = r.query.count("q") ? r.query.at("q") : "";
  if (q.size() > 1000)
    throw bad_request{make_error(error_code::invalid_field,
                                 "q must be at most 1000 characters.", "q")};
  return on_content(c, r, [&](content_store& store) {
    json hits = json::array();
    for (auto& hit : store.search(q, limit))
      hits.push_back({{"id", hit.id}, {"title", hit.title}});
    return json_response(200, json{{"hits", hits}}.dump());
  });
}

api_response get_settings(core& c, const api_request& r) {
  return on_content(c, r, [&](content_store& store) {
    return json_response(200, store.settings_json());
  });
}

api_response put_settings(core& c, const api_request& r) {
  auto settings = parse_object(r.body).dump();
  return on_content(c, r, [&](content_store& store) {
    store.put_settings_json(settings);
    return json_response(200, settings);
  });
}

api_response list_items(core& c, const api_request& r) {
  auto kind = kind_of(r);
  auto limit = query_int(r, "limit", 50, 1, 100);
  auto after = query_int(r, "after", 0, 0, INT64_MAX);
  return on_content(c, r, [&](content_store& store) {
    auto page = page_json(r.param("kind"), store.list_items(kind, after, limit),
                          limit, item_json, [](auto& i) { return i.id; });
    return json_response(200, page.dump());
  });
}

api_response add_item(core& c, const api_request& r) {
  auto kind = kind_of(r);
  auto body = parse_object(r.body);
  auto name = required_string(body, "name", 200);
  body.erase("name");
  body.erase("id");
  body.erase("created_at");
  auto attributes = body.dump();
  auto now = format_time(now_ms());
  return on_content(c, r, [&](content_store& store) {
    if (store.count_items(kind) >= max_items_per_kind)
      return error_response(make_error(
        error_code::limit_reached,
        "This environment already holds " + std::to_string(max_items_per_kind)
          + " " + r.param("kind") + ", the most one environment may hold."));
    return json_response(201, item_json(store.add_item(kind, name, attributes,
                                                       now))
                                .dump());
  });
}

} // namespace downhill::http
