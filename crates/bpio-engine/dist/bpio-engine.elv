
use builtin;
use str;

set edit:completion:arg-completer[bpio-engine] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'bpio-engine'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'bpio-engine'= {
            cand --websocket-port 'Port of the client websocket server [default: 12345]'
            cand --websocket-listen-address 'Full listen address of the client websocket server (e.g. 192.168.1.2:12345), in place of --websocket-port and --websocket-use-all-interfaces, which it cannot be given with'
            cand --websocket-client-address 'Connect out to a client that listens at this websocket URL (e.g. ws://127.0.0.1:12346) instead of listening, and again whenever the connection ends; used only when neither --websocket-port nor --websocket-listen-address is given'
            cand --rest-api-port 'Serve the REST API (HTTP, /api/v1, on 127.0.0.1) on this port, beside the client websocket server; it is one more client that --max-clients does not count'
            cand --server-name 'Name the server gives clients in ServerInfo'
            cand --max-ping-time 'Milliseconds within which clients must ping; 0 disables the watchdog'
            cand --device-websocket-server-port 'Port of the device websocket server [default: 54817]'
            cand --device-config-file 'Device configuration file (public format, major 4 or 5) replacing the built-in database'
            cand --user-device-config-file 'User device configuration file'
            cand --log 'Log level: error, warn, info, debug or trace [default: the RUST_LOG environment variable, else info]'
            cand --frontend-websocket-port 'Serve a GUI (such as Intiface Central) on ws://127.0.0.1:PORT: the engine waits for it to connect before it starts, tells it what happens and sends it the log, and stops when it sends Stop or goes away'
            cand --websocket-tls-cert 'PEM certificate chain (server certificate first) to serve clients over TLS, wss://; needs --websocket-tls-key'
            cand --websocket-tls-key 'PEM private key of --websocket-tls-cert'
            cand --websocket-token 'Shared secret a client must present, as ?token=TOKEN in its URL or an `Authorization: Bearer TOKEN` header; other users of this machine can see it in the process list, so prefer --websocket-token-file'
            cand --websocket-token-file 'File holding the shared secret of --websocket-token (surrounding whitespace ignored)'
            cand --max-message-size 'Largest client message accepted, in bytes; a larger one stops the client''s devices and closes its connection with code 1009 (message too big)'
            cand --max-messages-per-frame 'Most protocol messages handled from one client message; the rest of a longer one gets one Error'
            cand --mqtt-url 'Put the engine on an MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS. Remote clients send on PREFIX/NAME/command/ID and get replies on PREFIX/NAME/reply/ID (docs/MQTT.md)'
            cand --mqtt-ca 'PEM certificates to trust as roots for an mqtts:// broker [default: the bundled public roots]'
            cand --mqtt-username 'The engine''s account on the broker'
            cand --mqtt-password-file 'A file whose first line is the password of --mqtt-username'
            cand --mqtt-name 'The engine''s name in topics [default: --server-name, lower case, with - for anything but letters, digits, - and _]'
            cand --mqtt-prefix 'The first level of every topic'
            cand --mqtt-max-ping-time 'Milliseconds within which remote clients must ping (never 0: a remote client that vanishes must not keep devices running)'
            cand --web-port 'Serve the web control panel on this port (http://127.0.0.1:PORT/, on the client server''s interface, with its TLS and token): devices, levels and readings live, sliders, stop-all'
            cand --max-clients 'Clients served at once, each its own session with its own spec version; beyond them a connection is refused with HTTP 503. Who stops what: docs/PROTOCOL.md 14'
            cand --lovense-connect-discovery-url 'Where --use-lovense-connect asks which Lovense Connect apps run on this network [default: <https://api.lovense.com/api/lan/getToys>, the vendor''s service]'
            cand --mdns-suffix 'Text appended to the advertised mDNS instance name (`Intiface <random> <SUFFIX>`)'
            cand --repeater-port 'Port clients of the repeater connect to, on the interface of the client server (loopback unless --websocket-use-all-interfaces) [default: the client server''s port]'
            cand --repeater-remote-address '(bpio-specific) The server the repeater joins its clients to: ws://HOST:PORT, or wss:// with --websocket-tls-roots; a token goes in the URL (?token=…)'
            cand --websocket-tls-roots 'PEM certificates trusted as roots when the engine connects out over wss:// (--repeater-remote-address, --websocket-client-address)'
            cand --websocket-use-all-interfaces 'Listen on all interfaces instead of loopback only'
            cand --use-bluetooth-le 'Use Bluetooth LE devices'
            cand --use-serial 'Use serial-port devices'
            cand --use-hid 'Use HID devices'
            cand --use-sdl-gamepad 'Use gamepads with rumble motors (on Linux the event devices of /dev/input, which needs read and write access to them). `--use-xinput`, the flag of older engines, does the same'
            cand --use-device-websocket-server 'Accept devices that connect over the device websocket server'
            cand --use-lovense-connect 'Use toys paired with the Lovense Connect app, through the app''s local network API (the app is found through the vendor''s discovery service, see --lovense-connect-discovery-url)'
            cand --version 'Print the version and exit'
            cand --server-version 'Print the bare version number and exit'
            cand --mqtt-homeassistant 'Home Assistant MQTT discovery: each output a number entity, each battery a sensor, a stop-all button'
            cand --simulate 'Add the simulated devices (for trying things out without hardware)'
            cand --use-usb 'Use raw USB devices that the device config names in `usb` specifiers (the Rez TranceVibrator)'
            cand --use-lovense-dongle-serial 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys'
            cand --use-lovense-dongle-hid 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys'
            cand --broadcast-server-mdns 'Advertise the client websocket server on the local network over mDNS (service _intiface_engine._tcp); never while it listens on loopback only'
            cand --repeater 'Repeater mode: run no devices; join each client that connects to --repeater-port to the server at --repeater-remote-address, frame for frame'
            cand --allow-raw 'allow-raw'
            cand --crash-reporting 'crash-reporting'
            cand --crash-main-thread 'crash-main-thread'
            cand --crash-task-thread 'crash-task-thread'
            cand -h 'Print help'
            cand --help 'Print help'
        }
    ]
    $completions[$command]
}
