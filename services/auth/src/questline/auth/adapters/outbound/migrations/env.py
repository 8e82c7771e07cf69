from questline.service_kit.migrations import run_env

run_env()
