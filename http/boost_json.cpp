// Boost.JSON's implementation, compiled once for the whole program (Debian
// ships its headers, not a library to link): see entry_input.cpp.
#include <boost/json/src.hpp>
