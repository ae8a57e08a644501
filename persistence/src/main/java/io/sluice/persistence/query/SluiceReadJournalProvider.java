package io.sluice.persistence.query;

import com.typesafe.config.Config;
import io.sluice.persistence.journal.EventSerde;
import io.sluice.persistence.journal.SluiceStores;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.query.ReadJournalProvider;

/** Creates the read journal configured at {@code sluice.persistence.query}. */
public final class SluiceReadJournalProvider implements ReadJournalProvider {
  private final SluiceReadJournal javadsl;
  private final ScaladslSluiceReadJournal scaladsl;

  public SluiceReadJournalProvider(ExtendedActorSystem system, Config config, String configPath) {
    String journalPluginId = config.getString("journal-plugin-id");
    String dispatcher = system.settings().config().getConfig(journalPluginId).getString("plugin-dispatcher");
    this.javadsl =
        new SluiceReadJournal(
            SluiceStores.get(system).storeFor(journalPluginId),
            new EventSerde(system),
            system.dispatchers().lookup(dispatcher),
            config.getInt("max-batch-size"),
            config.getBytes("max-batch-bytes"),
            config.getInt("max-filter-scan"));
    this.scaladsl = new ScaladslSluiceReadJournal(javadsl);
  }

  @Override
  public ScaladslSluiceReadJournal scaladslReadJournal() {
    return scaladsl;
  }

  @Override
  public SluiceReadJournal javadslReadJournal() {
    return javadsl;
  }
}
