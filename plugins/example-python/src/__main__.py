"""Entry point of the example-python plugin (also of its zipapp)."""

import example_connector
import supplyhub_plugin


def main():
    supplyhub_plugin.serve(example_connector.Connector())


if __name__ == "__main__":
    main()
