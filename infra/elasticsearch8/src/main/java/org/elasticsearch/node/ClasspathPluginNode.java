package org.elasticsearch.node;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A Node whose plugins are classes on the classpath. In this package because {@code Node(NodeConstruction)},
 * {@code NodeConstruction.prepareConstruction} and {@code NodeServiceProvider} are package-private; the
 * public constructor only loads plugins from bundles on disk.
 */
public final class ClasspathPluginNode extends Node {
  public ClasspathPluginNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
    super(
        NodeConstruction.prepareConstruction(
            new Environment(settings, null),
            PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false),
            new NodeServiceProvider() {
              @Override
              PluginsService newPluginService(Environment environment, PluginsLoader loader) {
                return new ClasspathPluginsService(environment.settings(), plugins);
              }
            },
            true));
  }
}
