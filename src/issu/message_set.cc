#include "issu/message_set.h"

#include <nlohmann/json.hpp>

#include "issu/json_read.h"

namespace hitless::issu {

const MessageTypeSpec* ClientSpec::findMessage(MessageTypeId type) const {
  for (const auto& m : messages) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

const ClientSpec* MessageSet::findClient(ClientId id) const {
  for (const auto& c : clients) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Status MessageSet::validate() const {
  for (size_t i = 0; i < clients.size(); ++i) {
    const ClientSpec& c = clients[i];
    std::string where = "client " + std::to_string(c.id);
    if (i > 0 && clients[i - 1].id >= c.id) {
      return Status::corruption(where + " is duplicated or out of order");
    }
    if (c.name.empty()) return Status::corruption(where + " has no name");
    if (c.messages.empty()) return Status::corruption(where + " has no message types");
    for (size_t k = 0; k < c.messages.size(); ++k) {
      const MessageTypeSpec& m = c.messages[k];
      std::string mwhere = where + " message type " + std::to_string(m.type);
      if (k > 0 && c.messages[k - 1].type >= m.type) {
        return Status::corruption(mwhere + " is duplicated or out of order");
      }
      if (m.name.empty()) return Status::corruption(mwhere + " has no name");
      if (m.min_version < 1 || m.min_version > m.max_version) {
        return Status::corruption(mwhere + " has an invalid version range " +
                                  std::to_string(m.min_version) + "~" +
                                  std::to_string(m.max_version));
      }
    }
  }
  return Status::ok();
}

nlohmann::json toJson(const MessageSet& set) {
  nlohmann::json clients = nlohmann::json::array();
  for (const auto& c : set.clients) {
    nlohmann::json msgs = nlohmann::json::array();
    for (const auto& m : c.messages) {
      nlohmann::json mj = {{"type", m.type},
                           {"name", m.name},
                           {"min_version", m.min_version},
                           {"max_version", m.max_version},
                           {"mtu", m.mtu}};
      if (m.optional)
        mj["optional"] = true;  // absent before 1.1: older manifests stay as they were
      msgs.push_back(std::move(mj));
    }
    clients.push_back(
        {{"id", c.id}, {"name", c.name}, {"required", c.required}, {"messages", std::move(msgs)}});
  }
  return {{"clients", std::move(clients)}};
}

Result<MessageSet> messageSetFromJson(const nlohmann::json& j) {
  MessageSet set;
  JsonReader top(j, "message_set");
  ASSIGN_OR_RETURN(const nlohmann::json* clients, top.array("clients"));
  for (size_t i = 0; i < clients->size(); ++i) {
    JsonReader cr((*clients)[i], "message_set.clients[" + std::to_string(i) + "]");
    ClientSpec c;
    ASSIGN_OR_RETURN(c.id, cr.integer<ClientId>("id"));
    ASSIGN_OR_RETURN(c.name, cr.string("name"));
    ASSIGN_OR_RETURN(c.required, cr.boolean("required"));
    ASSIGN_OR_RETURN(const nlohmann::json* msgs, cr.array("messages"));
    for (size_t k = 0; k < msgs->size(); ++k) {
      JsonReader mr((*msgs)[k], cr.where() + ".messages[" + std::to_string(k) + "]");
      MessageTypeSpec m;
      ASSIGN_OR_RETURN(m.type, mr.integer<MessageTypeId>("type"));
      ASSIGN_OR_RETURN(m.name, mr.string("name"));
      ASSIGN_OR_RETURN(m.min_version, mr.integer<MessageVersion>("min_version"));
      ASSIGN_OR_RETURN(m.max_version, mr.integer<MessageVersion>("max_version"));
      ASSIGN_OR_RETURN(m.mtu, mr.integer<uint32_t>("mtu"));
      if ((*msgs)[k].contains("optional")) {
        ASSIGN_OR_RETURN(m.optional, mr.boolean("optional"));
      }
      c.messages.push_back(std::move(m));
    }
    set.clients.push_back(std::move(c));
  }
  RETURN_IF_ERROR(set.validate());
  return set;
}

}  // namespace hitless::issu
