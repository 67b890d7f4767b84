package tracardi.infra;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for integration tests: HTTP and transport on 127.0.0.1, data and logs under
 * the directory given as the first argument. Runs until the process gets SIGTERM.
 *
 * <p>Usage: {@code EmbeddedOpenSearch <home-dir> <http-port> <transport-port>}
 *
 * <p>Not the test framework's MockNode: with randomizedtesting on the classpath, OpenSearch asks for a
 * RandomizedContext that only exists inside a JUnit runner and fails to start.
 */
public final class EmbeddedOpenSearch {
  private EmbeddedOpenSearch() {}

  /** Node's constructor that loads plugins from the classpath is protected. */
  private static final class ClasspathPluginNode extends Node {
    ClasspathPluginNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
      super(
          InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "n1"),
          plugins,
          true);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: EmbeddedOpenSearch <home-dir> <http-port> <transport-port>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "tracardi-test")
            .put("node.name", "n1")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("discovery.type", "single-node")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
    LogConfigurator.configureWithoutConfig(settings);

    Node node =
        new ClasspathPluginNode(
            settings,
            List.of(
                Netty4Plugin.class,
                PainlessPlugin.class,
                CommonAnalysisPlugin.class,
                ReindexPlugin.class));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                    node.awaitClose(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    stopped.countDown();
                  }
                },
                "embedded-opensearch-shutdown"));
    node.start();
    // OpenSearch's threads are daemons: keep the JVM alive until the shutdown hook has run.
    stopped.await();
  }
}
