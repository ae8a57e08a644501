package io.sluice.gateway.produce;

import io.sluice.protocol.v1.Message;
import java.util.Map;

/**
 * The size of a message as the broker limits it ({@code max-message-size}, {@code
 * max-request-size}): body bytes plus the UTF-8 bytes of its tag, its keys and its property names
 * and values. Routing fields (topic, message group, ids, times) are not counted; each is at most
 * 128 characters.
 */
public final class MessageSize {
  private MessageSize() {}

  public static long of(Message message) {
    long size = message.getBody().size() + message.getTagBytes().size();
    for (int i = 0; i < message.getKeysCount(); i++) {
      size += message.getKeysBytes(i).size();
    }
    for (Map.Entry<String, String> property : message.getPropertiesMap().entrySet()) {
      size += utf8Length(property.getKey()) + utf8Length(property.getValue());
    }
    return size;
  }

  private static long utf8Length(String s) {
    long bytes = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x800) {
        // a surrogate pair is 2 chars and 4 bytes: 1 extra byte per char, as for 3-byte chars
        bytes += 2 - (Character.isSurrogate(c) ? 1 : 0);
      } else if (c >= 0x80) {
        bytes += 1;
      }
    }
    return bytes;
  }
}
