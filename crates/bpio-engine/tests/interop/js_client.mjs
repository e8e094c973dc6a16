// Drives bpio-engine with the official JavaScript client (npm `buttplug` 5), on Node 22.
//
// Usage: node js_client.mjs ws://127.0.0.1:PORT
// Prints one JSON object with what it saw; exits non-zero on any failure.

import {
  ButtplugClient,
  ButtplugNodeWebsocketClientConnector,
  DeviceOutput,
  InputCommandType,
  InputType,
} from "buttplug";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(url) {
  const client = new ButtplugClient("bpio interop");
  await client.connect(new ButtplugNodeWebsocketClientConnector(url));
  const server = client.serverInfo.serverName;
  await client.startScanning();
  for (let i = 0; i < 200 && client.devices.size < 5; i++) {
    await sleep(50);
  }
  const devices = [...client.devices.values()];
  const names = devices.map((device) => device.name).sort();
  // Input types each device advertises, as this client sees them.
  const inputs = Object.fromEntries(
    devices.map((device) => [
      device.name,
      [...new Set([...device.features.values()].flatMap((f) => [...f.inputs.keys()]))].sort(),
    ]),
  );
  const hush = devices.find((device) => device.name === "Lovense Hush");
  await hush.runOutput(DeviceOutput.Vibrate.percent(0.5));
  const battery = await hush.battery();
  const sensor = devices.find((device) => device.name === "Simulated Sensor");
  const pressureFeature = [...sensor.features.values()].find((f) => f.hasInput(InputType.Pressure));
  const pressure = await pressureFeature.runInput(InputType.Pressure, InputCommandType.Read);
  await hush.stop();
  await client.stopAllDevices();
  await client.disconnect();
  console.log(
    JSON.stringify({
      server,
      devices: names,
      battery,
      inputs,
      pressure: { inputType: pressure.inputType, value: pressure.value },
    }),
  );
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
