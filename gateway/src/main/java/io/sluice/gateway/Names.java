package io.sluice.gateway;

import io.sluice.protocol.v1.Reason;
import java.util.regex.Pattern;

/** Rules for names the broker accepts (topics, groups), as RocketMQ users know them. */
public final class Names {
  /** Letters, digits, {@code _ - %}; 1..127 characters. {@code |} and {@code /} separate ids inside the broker. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_%-]{1,127}");

  private Names() {}

  /** @throws BrokerException INVALID_NAME naming {@code what} and the rule */
  public static String check(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw BrokerException.invalid(Reason.INVALID_NAME,
          what + " name '" + name + "' is invalid: use 1..127 of letters, digits, '_', '-', '%'");
    }
    return name;
  }
}
