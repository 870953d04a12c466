// Every "METHOD path" the Express app serves, walking nested routers (Express 5: app.router.stack).
import type { Express } from 'express';

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

export function enumerateRoutes(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: RouteLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = Array.isArray(layer.route.path) ? layer.route.path.join(',') : layer.route.path;
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on && m !== '_all') out.add(`${m.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
  return [...out];
}
