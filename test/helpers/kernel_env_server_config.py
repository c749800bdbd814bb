# Jupyter Server config (pass with --config) that makes POST /api/kernels honour the
# request body's `env` the way Kernel Gateway and Enterprise Gateway do: `KERNEL_*`
# variables reach the kernel's environment. Jupyter Server 1.23 itself ignores `env`,
# and neither gateway is packaged for this machine, so the remote gateway tests use this.
import json
import os

from jupyter_server.services.kernels import handlers
from jupyter_server.utils import ensure_async, url_escape, url_path_join


async def _post_with_env(self):
    km = self.kernel_manager
    model = self.get_json_body() or {}
    name = model.get("name", km.default_kernel_name)
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (model.get("env") or {}).items() if k.startswith("KERNEL_")})
    kernel_id = await ensure_async(km.start_kernel(kernel_name=name, path=model.get("path"), env=env))
    model = await ensure_async(km.kernel_model(kernel_id))
    self.set_header("Location", url_path_join(self.base_url, "api", "kernels", url_escape(kernel_id)))
    self.set_status(201)
    self.finish(json.dumps(model, default=handlers.json_default))


# Keep the authentication and authorization decorators of the original handler.
handlers.MainKernelHandler.post = handlers.web.authenticated(
    handlers.authorized(_post_with_env)
)
