#pragma once
// What an escalation says, to clients and to webhooks:
//   notice  {"type":"alert_escalation","alertId","priority","level","maxLevel","at",
//            "title"?,"message","rover"?,"source","since"}
//   webhook {"type":"alert_escalation","level","maxLevel","at","epoch","alert":<AlertWebSocketMessage>}

#include "escalation/escalation_scheduler.hpp"
#include "store/alert.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rover_alerts::relay {

std::string escalation_notice(const Alert& alert, const EscalationDue& due, std::uint64_t now_ms);
std::string escalation_webhook_body(const Alert& alert, const EscalationDue& due, std::uint64_t now_ms,
                                    std::string_view epoch);

}  // namespace rover_alerts::relay
