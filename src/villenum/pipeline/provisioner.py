"""The kernel provisioner that launches kernels through the fork server (jupyter_client's public provisioner
API, registered as the `villenum-fork` entry point in pyproject.toml; jupyter_client is pinned there).

A kernel manager made by `kernels.kernel_manager_class` names this provisioner in its kernel spec and carries
the run's fork server as `fork_server`; without one (VILLENUM_FORKSERVER=0, or a command that cannot be
forked) the kernel is launched as LocalProvisioner launches it.
"""

from __future__ import annotations

from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

NAME = "villenum-fork"


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A LocalProvisioner whose `launch_kernel` forks the kernel from the fork server when it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Fork the kernel (its own session, so pgid == pid), else launch it normally; return the connection."""
        server = getattr(self.parent, "fork_server", None)
        forked = server.spawn(cmd, kwargs.get("env"), kwargs.get("cwd")) if server is not None else None
        if forked is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid = forked, forked.pid, forked.pid
        self.cwd = kwargs.get("cwd")
        return self.connection_info
