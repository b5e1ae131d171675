// Awaits a StorageService call from a coroutine: the job runs on the
// store's thread and the coroutine resumes on its own executor with the result.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "proto/error.h"

namespace weft::broker::taxii {

// `start(executor, done)` issues the call, e.g.
//   [&](auto executor, auto done) { storage.list_feeds(executor, done); }
template <class T, class Start>
boost::asio::awaitable<Result<T>> await_storage(Start start) {
  auto executor = co_await boost::asio::this_coro::executor;
  // The result travels behind a pointer: Result<T> has no empty state for
  // the awaitable machinery to default-construct.
  auto result = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                     void(std::shared_ptr<Result<T>>)>(
      [executor, &start](auto handler) {
        // The store keeps std::function callbacks, which must be copyable.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start(boost::asio::any_io_executor(executor), [shared](Result<T> done) {
          std::move(*shared)(std::make_shared<Result<T>>(std::move(done)));
        });
      },
      boost::asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace weft::broker::taxii
