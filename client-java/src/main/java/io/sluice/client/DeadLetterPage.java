package io.sluice.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of {@link Admin#listDeadLetters}.
 *
 * @param deadLetters this page's dead letters (unmodifiable)
 * @param nextPageToken the token of the next page, empty if this is the last
 */
public record DeadLetterPage(List<DeadLetter> deadLetters, Optional<String> nextPageToken) {
  /**
   * Copies the list.
   *
   * @param deadLetters this page's dead letters
   * @param nextPageToken the token of the next page
   */
  public DeadLetterPage {
    deadLetters = List.copyOf(deadLetters);
  }
}
