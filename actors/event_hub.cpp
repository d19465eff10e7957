#include "actors/event_hub.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace downhill {

event_hub_actor::behavior_type
event_hub(event_hub_actor::stateful_pointer<event_hub_state> self) {
  return {
    [=](publish_atom, const event_frame& published) {
      auto& st = self->state;
      // One object for the backlog and every subscriber: a client costs a
      // reference, not a copy of the frame.
      auto frame = std::make_shared<const event_frame>(published);
      auto& backlog = st.active_runs[frame->run_id];
      backlog.org_id = frame->org_id;
      switch (frame->kind) {
      case frame_kind::log:
        backlog.logs.push_back(frame);
        break;
      case frame_kind::progress:
        backlog.progress[frame->task] = frame;
        break;
      case frame_kind::run:
        backlog.summary = frame;
        break;
      }
      // Subscribers never block the hub: their sinks only hand the frame
      // to the session's inbox.
      if (auto i = st.by_org.find(frame->org_id); i != st.by_org.end())
        for (auto id : i->second)
          st.subscribers.at(id).deliver(frame);
      if (auto i = st.by_run.find(frame->run_id); i != st.by_run.end())
        for (auto id : i->second)
          st.subscribers.at(id).deliver(frame);
      // The final frame is sent once everything of the run is durable:
      // a later subscriber reads it all from the database.
      if (frame->final)
        st.active_runs.erase(frame->run_id);
    },
    [=](subscribe_atom, subscription& sub) {
      auto& st = self->state;
      auto id = sub.id;
      // The backlog goes out in the same step as the registration: every
      // line published before is in it, every line after is live.
      auto replay = [&](const run_backlog& backlog, int64_t after) {
        if (backlog.summary)
          sub.deliver(backlog.summary);
        for (auto& log : backlog.logs)
          if (log->seq > after)
            sub.deliver(log);
        for (auto& [task, progress] : backlog.progress)
          sub.deliver(progress);
      };
      if (sub.run_id == 0) {
        st.by_org[sub.org_id].insert(id);
        for (auto& [run_id, backlog] : st.active_runs)
          if (backlog.org_id == sub.org_id)
            replay(backlog, 0);
      } else {
        st.by_run[sub.run_id].insert(id);
        if (auto i = st.active_runs.find(sub.run_id);
            i != st.active_runs.end())
          replay(i->second, sub.after);
      }
      st.subscribers.emplace(id, std::move(sub));
    },
    [=](unsubscribe_atom, uint64_t id) {
      auto& st = self->state;
      auto i = st.subscribers.find(id);
      if (i == st.subscribers.end())
        return;
      auto& sub = i->second;
      if (sub.run_id == 0) {
        auto& ids = st.by_org[sub.org_id];
        ids.erase(id);
        if (ids.empty())
          st.by_org.erase(sub.org_id);
      } else {
        auto& ids = st.by_run[sub.run_id];
        ids.erase(id);
        if (ids.empty())
          st.by_run.erase(sub.run_id);
      }
      st.subscribers.erase(i);
    },
  };
}

} // namespace downhill
