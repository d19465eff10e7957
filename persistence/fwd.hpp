// The persistence classes that headers elsewhere name only by pointer or
// reference, declared once, so those headers need not include them.
#pragma once

namespace downhill::persistence {

class base_snapshot;
class content_store;
class control_plane;
class environment_layout;

} // namespace downhill::persistence
