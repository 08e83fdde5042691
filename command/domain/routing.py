"""Road distance over the park's road graph (RES-4). Pure: a graph and points in, routes out.

The road graph file is JSON: ``{"nodes": {"n1": [lon, lat], ...}, "edges": [["n1", "n2"], ...]}``
(an edge may carry a third element, its length in metres; otherwise the straight length is used).
Points off the graph walk straight to their nearest node; that access distance is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

EARTH_M = 6_371_000.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: exact enough across a park (a few km)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat)
    dy = math.radians(b[1] - a[1])
    return EARTH_M * math.hypot(dx, dy)


class RoadGraph:
    def __init__(self, data: dict):
        nodes = data.get("nodes") or {}
        if not nodes:
            raise ValueError("road graph has no nodes")
        self.g = nx.Graph()
        self.coords: dict[str, tuple[float, float]] = {}
        for nid, xy in nodes.items():
            self.coords[str(nid)] = (float(xy[0]), float(xy[1]))
            self.g.add_node(str(nid))
        for e in data.get("edges") or []:
            a, b = str(e[0]), str(e[1])
            if a not in self.coords or b not in self.coords:
                raise ValueError(f"edge {a}-{b} names an unknown node")
            length = float(e[2]) if len(e) > 2 else metres(self.coords[a], self.coords[b])
            self.g.add_edge(a, b, weight=length)
        self._ids = list(self.coords)
        arr = np.array([self.coords[i] for i in self._ids])
        self._lat0 = math.radians(float(arr[:, 1].mean()))
        self._xy = self._project(arr)

    def _project(self, lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        return np.column_stack((np.radians(lonlat[:, 0]) * math.cos(self._lat0) * EARTH_M,
                                np.radians(lonlat[:, 1]) * EARTH_M))

    def snap(self, points: list[tuple[float, float]]) -> tuple[list[str], np.ndarray]:
        """Nearest node and the straight access distance for each point (vectorised)."""
        if not points:
            return [], np.zeros(0)
        p = self._project(np.array(points))
        out_idx, out_d = np.empty(len(p), dtype=int), np.empty(len(p))
        for s in range(0, len(p), 4096):  # chunked so 50k points × nodes stays small in memory
            chunk = p[s:s + 4096]
            d = np.hypot(chunk[:, None, 0] - self._xy[None, :, 0], chunk[:, None, 1] - self._xy[None, :, 1])
            idx = d.argmin(axis=1)
            out_idx[s:s + 4096] = idx
            out_d[s:s + 4096] = d[np.arange(len(chunk)), idx]
        return [self._ids[i] for i in out_idx], out_d


@dataclass
class Route:
    target_id: int
    distance_m: float
    path: list[tuple[float, float]]  # lon, lat from origin to target


def nearest(graph: RoadGraph, origin: tuple[float, float], targets: list[tuple[int, float, float]],
            k: int = 5, batch: int = 256) -> list[Route]:
    """The ``k`` targets (id, lon, lat) closest to ``origin`` by road; unreachable ones are left out.

    A road route (straight access legs + edges at least as long as the straight line between their
    nodes) is never shorter than the straight distance, so targets are routed in order of straight
    distance and the search stops once the next straight distance exceeds the k-th best road
    distance: exact, and only the neighbourhood is snapped to the graph.
    """
    if not targets:
        return []
    (o_node,), o_acc = graph.snap([origin])
    lengths, paths = nx.single_source_dijkstra(graph.g, o_node, weight="weight")
    pts = graph._project(np.array([(t[1], t[2]) for t in targets]))
    o = graph._project(np.array([origin]))[0]
    straight = np.hypot(pts[:, 0] - o[0], pts[:, 1] - o[1])
    order = np.argsort(straight, kind="stable")
    best: list[tuple[float, int, str]] = []  # (road distance, target index, target node)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        if len(best) >= k and straight[idx[0]] > best[k - 1][0]:
            break
        nodes, acc = graph.snap([(targets[i][1], targets[i][2]) for i in idx])
        for i, n, a in zip(idx, nodes, acc):
            d = lengths.get(n, math.inf) + a + o_acc[0]
            if math.isfinite(d):
                best.append((float(d), int(i), n))
        best.sort(key=lambda x: (x[0], x[1]))
        del best[k:]
    routes = []
    for d, i, n in best:
        t = targets[i]
        geom = [origin] + [graph.coords[x] for x in paths[n]] + [(t[1], t[2])]
        routes.append(Route(t[0], d, geom))
    return routes
