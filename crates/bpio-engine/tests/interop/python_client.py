"""Drives bpio-engine with the official Python client (PyPI `buttplug` 1.0.0).

Usage: python_client.py ws://127.0.0.1:PORT
Prints one JSON object with what it saw; exits non-zero on any failure.
"""

import asyncio
import json
import sys

from buttplug import ButtplugClient, DeviceOutputCommand, OutputType


async def main(url: str) -> None:
    client = ButtplugClient("bpio interop")
    await client.connect(url)
    server = client.server_name
    await client.start_scanning()
    for _ in range(200):
        if len(client.devices) >= 5:
            break
        await asyncio.sleep(0.05)
    names = sorted(device.name for device in client.devices.values())
    # Input type names each device advertises, as this client sees them.
    inputs = {
        device.name: sorted({name for feature in device.features.values() for name in (feature.inputs or {})})
        for device in client.devices.values()
    }
    sensor_rssi = next(d.has_rssi() for d in client.devices.values() if d.name == "Simulated Sensor")
    hush = next(device for device in client.devices.values() if device.name == "Lovense Hush")
    await hush.run_output(DeviceOutputCommand(OutputType.VIBRATE, 0.5))
    battery = await hush.battery()
    await hush.stop()
    await client.stop_all_devices()
    await client.disconnect()
    print(json.dumps({"server": server, "devices": names, "battery": battery, "inputs": inputs, "sensor_has_rssi": sensor_rssi}))


asyncio.run(main(sys.argv[1]))
