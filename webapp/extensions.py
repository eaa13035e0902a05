"""The web app's Flask extensions, created unbound here and bound to the app in the factory.

The database handle is shared with the worker and lives in ``core.db``.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
