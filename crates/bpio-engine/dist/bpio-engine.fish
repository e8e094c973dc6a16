complete -c bpio-engine -l websocket-port -d 'Port of the client websocket server [default: 12345]' -r
complete -c bpio-engine -l websocket-listen-address -d 'Full listen address of the client websocket server (e.g. 192.168.1.2:12345), in place of --websocket-port and --websocket-use-all-interfaces, which it cannot be given with' -r
complete -c bpio-engine -l websocket-client-address -d 'Connect out to a client that listens at this websocket URL (e.g. ws://127.0.0.1:12346) instead of listening, and again whenever the connection ends; used only when neither --websocket-port nor --websocket-listen-address is given' -r
complete -c bpio-engine -l rest-api-port -d 'Serve the REST API (HTTP, /api/v1, on 127.0.0.1) on this port, beside the client websocket server; it is one more client that --max-clients does not count' -r
complete -c bpio-engine -l server-name -d 'Name the server gives clients in ServerInfo' -r
complete -c bpio-engine -l max-ping-time -d 'Milliseconds within which clients must ping; 0 disables the watchdog' -r
complete -c bpio-engine -l device-websocket-server-port -d 'Port of the device websocket server [default: 54817]' -r
complete -c bpio-engine -l device-config-file -d 'Device configuration file (public format, major 4 or 5) replacing the built-in database' -r -F
complete -c bpio-engine -l user-device-config-file -d 'User device configuration file' -r -F
complete -c bpio-engine -l log -d 'Log level: error, warn, info, debug or trace [default: the RUST_LOG environment variable, else info]' -r
complete -c bpio-engine -l frontend-websocket-port -d 'Serve a GUI (such as Intiface Central) on ws://127.0.0.1:PORT: the engine waits for it to connect before it starts, tells it what happens and sends it the log, and stops when it sends Stop or goes away' -r
complete -c bpio-engine -l websocket-tls-cert -d 'PEM certificate chain (server certificate first) to serve clients over TLS, wss://; needs --websocket-tls-key' -r -F
complete -c bpio-engine -l websocket-tls-key -d 'PEM private key of --websocket-tls-cert' -r -F
complete -c bpio-engine -l websocket-token -d 'Shared secret a client must present, as ?token=TOKEN in its URL or an `Authorization: Bearer TOKEN` header; other users of this machine can see it in the process list, so prefer --websocket-token-file' -r
complete -c bpio-engine -l websocket-token-file -d 'File holding the shared secret of --websocket-token (surrounding whitespace ignored)' -r -F
complete -c bpio-engine -l max-message-size -d 'Largest client message accepted, in bytes; a larger one stops the client\'s devices and closes its connection with code 1009 (message too big)' -r
complete -c bpio-engine -l max-messages-per-frame -d 'Most protocol messages handled from one client message; the rest of a longer one gets one Error' -r
complete -c bpio-engine -l mqtt-url -d 'Put the engine on an MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS. Remote clients send on PREFIX/NAME/command/ID and get replies on PREFIX/NAME/reply/ID (docs/MQTT.md)' -r
complete -c bpio-engine -l mqtt-ca -d 'PEM certificates to trust as roots for an mqtts:// broker [default: the bundled public roots]' -r -F
complete -c bpio-engine -l mqtt-username -d 'The engine\'s account on the broker' -r
complete -c bpio-engine -l mqtt-password-file -d 'A file whose first line is the password of --mqtt-username' -r -F
complete -c bpio-engine -l mqtt-name -d 'The engine\'s name in topics [default: --server-name, lower case, with - for anything but letters, digits, - and _]' -r
complete -c bpio-engine -l mqtt-prefix -d 'The first level of every topic' -r
complete -c bpio-engine -l mqtt-max-ping-time -d 'Milliseconds within which remote clients must ping (never 0: a remote client that vanishes must not keep devices running)' -r
complete -c bpio-engine -l web-port -d 'Serve the web control panel on this port (http://127.0.0.1:PORT/, on the client server\'s interface, with its TLS and token): devices, levels and readings live, sliders, stop-all' -r
complete -c bpio-engine -l max-clients -d 'Clients served at once, each its own session with its own spec version; beyond them a connection is refused with HTTP 503. Who stops what: docs/PROTOCOL.md 14' -r
complete -c bpio-engine -l lovense-connect-discovery-url -d 'Where --use-lovense-connect asks which Lovense Connect apps run on this network [default: <https://api.lovense.com/api/lan/getToys>, the vendor\'s service]' -r
complete -c bpio-engine -l mdns-suffix -d 'Text appended to the advertised mDNS instance name (`Intiface <random> <SUFFIX>`)' -r
complete -c bpio-engine -l repeater-port -d 'Port clients of the repeater connect to, on the interface of the client server (loopback unless --websocket-use-all-interfaces) [default: the client server\'s port]' -r
complete -c bpio-engine -l repeater-remote-address -d '(bpio-specific) The server the repeater joins its clients to: ws://HOST:PORT, or wss:// with --websocket-tls-roots; a token goes in the URL (?token=…)' -r
complete -c bpio-engine -l websocket-tls-roots -d 'PEM certificates trusted as roots when the engine connects out over wss:// (--repeater-remote-address, --websocket-client-address)' -r -F
complete -c bpio-engine -l websocket-use-all-interfaces -d 'Listen on all interfaces instead of loopback only'
complete -c bpio-engine -l use-bluetooth-le -d 'Use Bluetooth LE devices'
complete -c bpio-engine -l use-serial -d 'Use serial-port devices'
complete -c bpio-engine -l use-hid -d 'Use HID devices'
complete -c bpio-engine -l use-sdl-gamepad -d 'Use gamepads with rumble motors (on Linux the event devices of /dev/input, which needs read and write access to them). `--use-xinput`, the flag of older engines, does the same'
complete -c bpio-engine -l use-device-websocket-server -d 'Accept devices that connect over the device websocket server'
complete -c bpio-engine -l use-lovense-connect -d 'Use toys paired with the Lovense Connect app, through the app\'s local network API (the app is found through the vendor\'s discovery service, see --lovense-connect-discovery-url)'
complete -c bpio-engine -l version -d 'Print the version and exit'
complete -c bpio-engine -l server-version -d 'Print the bare version number and exit'
complete -c bpio-engine -l mqtt-homeassistant -d 'Home Assistant MQTT discovery: each output a number entity, each battery a sensor, a stop-all button'
complete -c bpio-engine -l simulate -d 'Add the simulated devices (for trying things out without hardware)'
complete -c bpio-engine -l use-usb -d 'Use raw USB devices that the device config names in `usb` specifiers (the Rez TranceVibrator)'
complete -c bpio-engine -l use-lovense-dongle-serial -d 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys'
complete -c bpio-engine -l use-lovense-dongle-hid -d 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys'
complete -c bpio-engine -l broadcast-server-mdns -d 'Advertise the client websocket server on the local network over mDNS (service _intiface_engine._tcp); never while it listens on loopback only'
complete -c bpio-engine -l repeater -d 'Repeater mode: run no devices; join each client that connects to --repeater-port to the server at --repeater-remote-address, frame for frame'
complete -c bpio-engine -l allow-raw
complete -c bpio-engine -l crash-reporting
complete -c bpio-engine -l crash-main-thread
complete -c bpio-engine -l crash-task-thread
complete -c bpio-engine -s h -l help -d 'Print help'
