/** A configuration the fleet cannot run with: the CLI prints the message alone and exits 2. */
export class FleetConfigError extends Error {
  /** Creates an error whose message is shown to the user as is. */
  constructor(message: string) {
    super(message);
    this.name = 'FleetConfigError';
  }
}

/** The hub could not be reached or refused the fleet's credentials: the CLI prints the message alone and exits 1. */
export class FleetConnectError extends Error {
  /** Creates an error whose message is shown to the user as is. */
  constructor(message: string) {
    super(message);
    this.name = 'FleetConnectError';
  }
}
