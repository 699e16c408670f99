#include "escalation/webhook_sender.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace rover_alerts::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// An https webhook's client side: TLS 1.2 or later, the peer's certificate
// verified against `ca_file` (or the system's trust store). The host name is
// checked per connection. Throws std::runtime_error when the CAs cannot be read.
std::unique_ptr<ssl::context> make_client_tls_context(const WebhookTarget& target) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (target.ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(target.ca_file, ec);
  }
  if (ec)
    throw std::runtime_error("webhook `" + target.name + "`: cannot load " +
                             (target.ca_file.empty() ? std::string("the system's CAs") : target.ca_file) + ": " +
                             ec.message());
  return context;
}

}  // namespace

struct WebhookSender::Job {
  const WebhookTarget* target = nullptr;
  ssl::context* tls = nullptr;  // https: the target's client context
  std::string body;
  std::string id;
  unsigned attempt = 0;  // attempts made
  std::unique_ptr<asio::steady_timer> backoff;
};

// One POST: resolve, connect, (for https) the TLS handshake, write, read the
// answer, all within the target's timeout. Calls `done(delivered, detail)` once.
class WebhookSender::Attempt : public std::enable_shared_from_this<WebhookSender::Attempt> {
 public:
  using Done = std::function<void(bool delivered, std::string detail)>;
  Attempt(asio::any_io_executor executor, const WebhookTarget& target, ssl::context* tls, const std::string& body,
          Done done)
      : target_(target), resolver_(executor), deadline_(executor), done_(std::move(done)) {
    if (tls != nullptr) {
      tls_.emplace(executor, *tls);
    } else {
      plain_.emplace(executor);
    }
    request_.method(http::verb::post);
    request_.target(target.endpoint.target);
    request_.set(http::field::host, host_header(target.endpoint));
    request_.set(http::field::user_agent, "alert-relay");
    request_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : target.headers) request_.set(name, value);
    request_.body() = body;
    request_.prepare_payload();
    // The answer of a misbehaving receiver is not read into memory without bound.
    response_.body_limit(64 * 1024);
  }

  void start() {
    deadline_.expires_after(target_.timeout);
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish(false, "timeout");
    });
    resolver_.async_resolve(target_.endpoint.host, std::to_string(target_.endpoint.port),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        const tcp::resolver::results_type& results) {
                              if (ec) return self->finish(false, "cannot resolve: " + ec.message());
                              self->tcp().async_connect(results, [self](const boost::system::error_code& e,
                                                                        const tcp::endpoint&) { self->on_connect(e); });
                            });
  }

  void cancel() { finish(false, "relay stopping"); }

 private:
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void on_connect(const boost::system::error_code& ec) {
    if (ec) return finish(false, ec.message());
    if (!tls_) return exchange(*plain_);
    // SNI for a host name (never for an address literal, RFC 6066), and the
    // certificate must name the host the URL names.
    boost::system::error_code not_an_address;
    asio::ip::make_address(target_.endpoint.host, not_an_address);
    if (not_an_address && SSL_set_tlsext_host_name(tls_->native_handle(), target_.endpoint.host.c_str()) != 1)
      return finish(false, "tls: cannot set the server name");
    tls_->set_verify_callback(ssl::host_name_verification(target_.endpoint.host));
    tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](const boost::system::error_code& e) {
      if (e) return self->finish(false, "tls: " + e.message());
      self->exchange(*self->tls_);
    });
  }

  template <class Stream>
  void exchange(Stream& stream) {
    http::async_write(stream, request_, [self = shared_from_this(), &stream](const boost::system::error_code& e,
                                                                            std::size_t) {
      if (e) return self->finish(false, "write: " + e.message());
      http::async_read(stream, self->buffer_, self->response_, [self](const boost::system::error_code& r, std::size_t) {
        if (r) return self->finish(false, "read: " + r.message());
        const unsigned status = self->response_.get().result_int();
        self->finish(status >= 200 && status < 300, "HTTP " + std::to_string(status));
      });
    });
  }

  void finish(bool delivered, std::string detail) {
    if (!done_) return;  // the deadline and the operation both end here; the first wins
    Done done = std::move(done_);
    done_ = nullptr;
    deadline_.cancel();
    resolver_.cancel();
    // No TLS close_notify: the answer is in, and a receiver that never
    // answers one must not hold the attempt.
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
    done(delivered, std::move(detail));
  }

  const WebhookTarget& target_;
  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> plain_;                   // http
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;  // https
  asio::steady_timer deadline_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> response_;
  Done done_;
};

WebhookSender::WebhookSender(asio::any_io_executor executor, std::vector<WebhookTarget> targets,
                             std::size_t max_pending)
    : executor_(std::move(executor)), targets_(std::move(targets)), max_pending_(std::max<std::size_t>(1, max_pending)) {
  for (const WebhookTarget& target : targets_)
    tls_contexts_.push_back(target.endpoint.tls ? make_client_tls_context(target) : nullptr);
}

WebhookSender::~WebhookSender() {
  *alive_ = false;
  stop();
}

void WebhookSender::report(const Job& job, std::string_view outcome, std::string detail) {
  if (report_) report_(WebhookReport{job.id, job.target->name, job.attempt, std::string(outcome), std::move(detail)});
}

std::string host_header(const WebhookUrl& endpoint) {
  // An IPv6 literal goes back in its brackets (RFC 7230, 5.4).
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

WebhookSender::EnqueueStatus WebhookSender::enqueue(const std::string& webhook, std::string body,
                                                    std::string notification_id) {
  const auto target = std::find_if(targets_.begin(), targets_.end(),
                                   [&](const WebhookTarget& t) { return t.name == webhook; });
  if (target == targets_.end() || stopped_) return EnqueueStatus::UnknownWebhook;
  EnqueueStatus status = EnqueueStatus::Queued;
  if (stats_.pending >= max_pending_ && !queue_.empty()) {
    // Full: the oldest waiting notification gives way to the newest escalation.
    const std::shared_ptr<Job> oldest = queue_.front();
    queue_.pop_front();
    --stats_.pending;
    ++stats_.dropped;
    report(*oldest, "dropped", "more than " + std::to_string(max_pending_) + " notifications pending");
    status = EnqueueStatus::DroppedOldest;
  }
  auto job = std::make_shared<Job>();
  job->target = &*target;
  job->tls = tls_contexts_[static_cast<std::size_t>(target - targets_.begin())].get();
  job->body = std::move(body);
  job->id = std::move(notification_id);
  if (stats_.pending >= max_pending_) {  // everything pending is in flight or retrying: this one goes
    ++stats_.dropped;
    report(*job, "dropped", "more than " + std::to_string(max_pending_) + " notifications pending");
    return EnqueueStatus::DroppedNew;
  }
  queue_.push_back(std::move(job));
  ++stats_.pending;
  pump();
  return status;
}

void WebhookSender::pump() {
  while (!stopped_ && stats_.in_flight < kMaxInFlight && !queue_.empty()) {
    std::shared_ptr<Job> job = queue_.front();
    queue_.pop_front();
    ++job->attempt;
    ++stats_.in_flight;
    auto attempt = std::make_shared<Attempt>(executor_, *job->target, job->tls, job->body,
                                             [this, alive = alive_, job](bool delivered, std::string detail) {
                                               if (!*alive) return;
                                               finished(job, delivered, std::move(detail));
                                             });
    std::erase_if(attempts_, [](const std::weak_ptr<Attempt>& a) { return a.expired(); });
    attempts_.push_back(attempt);
    attempt->start();
  }
}

void WebhookSender::finished(std::shared_ptr<Job> job, bool delivered, std::string detail) {
  --stats_.in_flight;
  if (delivered) {
    --stats_.pending;
    ++stats_.delivered;
    report(*job, "delivered", std::move(detail));
  } else if (stopped_ || job->attempt >= job->target->max_attempts) {
    --stats_.pending;
    ++stats_.failed;
    report(*job, "failed", std::move(detail));
  } else {
    ++stats_.retried;
    report(*job, "retrying", std::move(detail));
    // base * 2^(attempt-1), capped, then between half and all of it.
    const auto base = job->target->backoff_base.count();
    const auto cap = job->target->backoff_max.count();
    const auto full = std::min<std::int64_t>(cap, base << std::min<unsigned>(job->attempt - 1, 20));
    const auto wait = full / 2 + static_cast<std::int64_t>(jitter_() % static_cast<std::uint64_t>(full / 2 + 1));
    job->backoff = std::make_unique<asio::steady_timer>(executor_, std::chrono::milliseconds(wait));
    std::erase_if(retrying_, [](const std::weak_ptr<Job>& j) { return j.expired(); });
    retrying_.push_back(job);
    job->backoff->async_wait([this, alive = alive_, job](const boost::system::error_code& ec) {
      if (!*alive) return;
      job->backoff.reset();  // (the handler holds the job; the job no longer holds the handler)
      if (ec || stopped_) {
        --stats_.pending;
        ++stats_.failed;
        return report(*job, "failed", "relay stopping");
      }
      queue_.push_front(job);  // it waited its turn already
      pump();
    });
  }
  pump();
}

void WebhookSender::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (const auto& weak : attempts_)
    if (auto attempt = weak.lock()) attempt->cancel();
  attempts_.clear();
  for (const auto& weak : retrying_)
    if (auto job = weak.lock(); job && job->backoff) job->backoff->cancel();
  retrying_.clear();
  for (const auto& job : queue_) {
    ++stats_.failed;
    if (*alive_) report(*job, "failed", "relay stopping");
  }
  stats_.pending -= queue_.size();
  queue_.clear();
}

}  // namespace rover_alerts::relay
