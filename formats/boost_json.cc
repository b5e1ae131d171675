// Boost.JSON is used header-only: this is its one compiled unit in weft.
#include <boost/json/src.hpp>
