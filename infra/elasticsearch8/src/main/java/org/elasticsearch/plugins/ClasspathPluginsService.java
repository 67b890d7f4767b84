package org.elasticsearch.plugins;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.Build;
import org.elasticsearch.common.settings.Settings;

/**
 * Plugins given as classes on the classpath instead of bundles under {@code plugins/} and {@code modules/}
 * (what the test framework's MockPluginsService does). In this package because {@code loadPlugin} and
 * {@code LoadedPlugin}'s constructor are package-private.
 *
 * <p>The 8.x twin of infra/elasticsearch's: 8.19's {@code PluginDescriptor} has no deployment target.
 *
 * <p>{@code GET _nodes/plugins} lists none of these: the reported info is built in the superclass
 * constructor from the (empty) bundles.
 */
public final class ClasspathPluginsService extends PluginsService {
  private final List<LoadedPlugin> plugins;

  public ClasspathPluginsService(Settings settings, Collection<Class<? extends Plugin>> classes) {
    super(settings, null, PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false));
    plugins = new ArrayList<>(classes.size());
    for (Class<? extends Plugin> type : classes) {
      PluginDescriptor descriptor =
          new PluginDescriptor(
              type.getName(),
              "classpath plugin",
              "NA",
              Build.current().version(),
              "17",
              type.getName(),
              null,
              List.of(),
              false,
              false,
              false,
              false);
      plugins.add(
          new LoadedPlugin(
              descriptor,
              loadPlugin(type, settings, null),
              Thread.currentThread().getContextClassLoader()));
    }
  }

  @Override
  protected List<LoadedPlugin> plugins() {
    return plugins;
  }
}
