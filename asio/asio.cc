// The one translation unit that holds Boost.Asio's compiled code.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
