"""The sample web: simulated creator sites and platforms served on 127.0.0.1 by host name."""

from sampleweb.server import SampleWeb, start_server
from sampleweb.sites import SITES_DIR, Site, SiteError, load_sites

__all__ = ["SITES_DIR", "SampleWeb", "Site", "SiteError", "load_sites", "start_server"]
