package io.sluice.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * When a test fails, prints the last lines of every node still running (they are killed right
 * after, in the test's cleanup) to stderr, which surefire keeps in
 * {@code target/surefire-reports/<class>-output.txt}.
 */
public final class BrokerLogsOnFailure implements TestExecutionExceptionHandler {
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    for (BrokerProcess node : BrokerProcess.open()) {
      System.err.println(
          "---- " + context.getDisplayName() + " failed; last output of " + node + " (alive: "
              + node.isAlive() + ", log " + node.logFile() + ") ----\n" + node.tail(100));
    }
    throw failure;
  }
}
