"""JupyterHub configuration of the classroom test (tests/classroom/run_classroom.py).

A hub an instructor could run on one machine: PAM logins (each student is a Unix account with
its own password), the default LocalProcessSpawner (each student's server runs as that account,
in its home folder), configurable-http-proxy, everything on 127.0.0.1. The test passes the
ports, paths and names through the JSON file named by RNNC_CLASSROOM_SETTINGS.

Students' servers get ``JUPYTER_CONFIG_PATH`` = the student configuration (nbgrader's
formgrader, Create Assignment and course list off; its Assignments list and Validate button on;
the course id and the exchange); the instructor's server gets the instructor's (every nbgrader
tool on, the same course and exchange, a collect that checks who submitted).
"""

import json
import os

settings = json.loads(open(os.environ["RNNC_CLASSROOM_SETTINGS"]).read())
c = get_config()  # noqa: F821

# Network: the public address, the hub's own API and the proxy's API, all on 127.0.0.1.
c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(settings["state"], "proxy.pid")
c.JupyterHub.pid_file = os.path.join(settings["state"], "jupyterhub.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(settings["state"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(settings["state"], "cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server
c.JupyterHub.cleanup_proxy = True

# Who may log in: the class list. PAM checks each account's own password.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(settings["students"]) | {settings["instructor"]}

# Each user's server runs as that Unix user, from the classroom venv every account can run.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": settings["path"],
    # One BLAS thread per student: a class shares the machine's cores.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def pre_spawn_hook(spawner):
    role = "instructor" if spawner.user.name == settings["instructor"] else "student"
    spawner.environment["JUPYTER_CONFIG_PATH"] = settings["config"][role]


c.Spawner.pre_spawn_hook = pre_spawn_hook

# The test drives the hub through its REST API with this service's token.
c.JupyterHub.services = [{"name": "classroom-test", "api_token": settings["token"]}]
c.JupyterHub.load_roles = [
    {
        "name": "classroom-test",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["classroom-test"],
    }
]
