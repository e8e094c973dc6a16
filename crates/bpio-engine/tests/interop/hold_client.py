"""Starts the Lovense Hush vibrating, says so, then waits to be killed.

Usage: hold_client.py ws://127.0.0.1:PORT [ping]
Prints "vibrating" once the server acknowledged the command. With "ping" the client keeps its
session alive with pings (the official client pings by itself at half MaxPingTime).
"""

import asyncio
import sys

from buttplug import ButtplugClient, DeviceOutputCommand, OutputType


async def main(url: str) -> None:
    client = ButtplugClient("bpio hold")
    await client.connect(url)
    await client.start_scanning()
    for _ in range(400):
        if any(d.name == "Lovense Hush" for d in client.devices.values()):
            break
        await asyncio.sleep(0.05)
    hush = next(device for device in client.devices.values() if device.name == "Lovense Hush")
    await hush.run_output(DeviceOutputCommand(OutputType.VIBRATE, 0.5))
    print("vibrating", flush=True)
    await asyncio.sleep(3600)


asyncio.run(main(sys.argv[1]))
