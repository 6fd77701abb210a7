# Runs moto's server exactly as `python3 -m moto.server -H 127.0.0.1 -p <port>` does, with one change: the
# KMS key it creates takes its key id and key material from <key file> (DATA_DIR/kms-key.json, 0600), so
# after a restart the same key decrypts what an earlier run encrypted (moto keeps its state in memory only).
# It also exits when its parent (npm run start:cloud) is gone, so a killed emulator leaves no server behind.
# usage: python3 moto-kms.py <key file> <port>
import base64
import json
import os
import sys
import threading
import time

key_file, port = sys.argv[1], sys.argv[2]
with open(key_file, encoding="utf-8") as f:
    key = json.load(f)

import moto.kms.models as kms_models  # noqa: E402

material = base64.b64decode(key["material"])
kms_models.generate_key_id = lambda multi_region=False: key["keyId"]
kms_models.generate_master_key = lambda: material

parent = os.getppid()


def exit_with_parent():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()

from moto.server import main  # noqa: E402

main(["-H", "127.0.0.1", "-p", port])
