"""The folium elements of a meeting map: runtime, compact layers, panels and controls.

Every element that carries data writes it through :func:`~planning.webmap._escape.script_json`
(into a ``<script type="application/json">`` block or a script literal) or
:func:`~planning.webmap._escape.html_text` (static HTML); the runtime script builds text with
``textContent``.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import folium
import folium.plugins
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from planning.webmap._escape import html_text, script_json

#: CDN addresses of the vendored assets (used when a map is saved with offline=False; the
#: offline inliner maps them back to the files in planning/webmap/vendor/).
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"
FULLSCREEN_JS = "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.2/Control.FullScreen.js"
FULLSCREEN_CSS = "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.2/Control.FullScreen.css"


@functools.cache
def static_text(name: str) -> str:
    """The text of one of our own files in ``planning/webmap/static``."""
    return resources.files("planning.webmap").joinpath("static", name).read_text("utf-8")


class Runtime(MacroElement):  # type: ignore[misc]
    """The map's own script and styles (always inline: they are part of this package)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        PlanningMap.setup({{ this._parent.get_name() }}, {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(self, *, background: str | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlanningRuntime"
        self.css = static_text("planning-map.css")
        self.js = static_text("planning-map.js").replace("</script", "<\\/script")
        self.options = script_json({"background": background, "prefix": "Leaflet"})


class RawHTML(Element):  # type: ignore[misc]
    """Text put into the page as it is, without passing through Jinja.

    branca compiles what an element's ``html`` macro returns as a new template; for megabytes
    of layer data that costs seconds, and it would read ``{{`` in data as template code.
    """

    def __init__(self, text: str) -> None:
        super().__init__("")  # type: ignore[no-untyped-call]
        self.text = text

    def render(self, **kwargs: Any) -> str:  # noqa: ARG002 - branca's signature
        return self.text


class CompactLayer(Layer):  # type: ignore[misc]
    """A layer drawn on its own canvas from the compact encoding (see ``_compact``).

    The data goes into the page as a ``<script type="application/json">`` block (escaped by
    :func:`script_json`, so it cannot end the block) that the layer's script parses.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = PlanningMap.compactLayer(
            "{{ this.get_name() }}_data");
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], *, name: str, show: bool = True) -> None:
        super().__init__(name=html_text(name), overlay=True, control=True, show=show)
        self._name = "PlanningLayer"
        self.key = payload.get("key", "")
        self.label = name
        self.feature_count = int(payload["geom"]["counts"]["features"])
        self.payload = script_json(payload)

    def render(self, **kwargs: Any) -> Any:
        """Render the script, and put the data block into the page body as it is."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            block = (f'<script type="application/json" id="{self.get_name()}_data">'
                     f"{self.payload}</script>")
            figure.html.add_child(RawHTML(block), name=self.get_name() + "_data")
        return super().render(**kwargs)  # type: ignore[no-untyped-call]


class Panel(MacroElement):  # type: ignore[misc]
    """Static HTML (escaped by its maker) shown as a map control at ``position``."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="{{ this.get_name() }}" class="{{ this.css_class }}" style="display:none">
        {{- this.html -}}
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        PlanningMap.panel({{ this._parent.get_name() }}, "{{ this.get_name() }}",
                          "{{ this.position }}");
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlanningPanel"
        self.html = html
        self.position = position
        self.css_class = css_class


class Search(MacroElement):  # type: ignore[misc]
    """Search box over the features of the searchable compact layers."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        PlanningMap.search({{ this._parent.get_name() }},
            [{{ this.layer_names }}],
            {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: list[CompactLayer], *, placeholder: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlanningSearch"
        self.layers = layers
        self.layer_names = ", ".join(layer.get_name() for layer in layers)
        self.options = script_json({"placeholder": placeholder})


class Measure(MacroElement):  # type: ignore[misc]
    """Distance and area measuring tool (areas also in mu and hectares)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        PlanningMap.measure({{ this._parent.get_name() }}, {position: "topleft"});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlanningMeasure"


class Fullscreen(folium.plugins.Fullscreen):  # type: ignore[misc]
    """folium's fullscreen button, on the vendored leaflet.fullscreen version."""

    default_js = [("Control.FullScreen.js", FULLSCREEN_JS)]  # noqa: RUF012 - as folium
    default_css = [("Control.FullScreen.css", FULLSCREEN_CSS)]  # noqa: RUF012 - as folium
