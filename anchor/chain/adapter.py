"""The chain adapter: one interface to an embedded eth-tester chain or any JSON-RPC endpoint.

Only :mod:`anchor.chain` talks to web3 / eth-tester. This module deploys and calls the project's
contracts by artifact name, decodes events (:mod:`anchor.chain.abi`), and turns every low-level
failure into a :mod:`anchor.errors` exception (a revert becomes :class:`ContractRevertError`
carrying the custom error's name and arguments, decoded from its selector by
:mod:`anchor.chain.reverts`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError as EthValidationError
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
)
from web3.types import Nonce, TxParams, Wei

from anchor.chain.abi import DecodedLog, RawLog, RawTransaction, decode_logs, selector_of
from anchor.chain.artifacts import load_artifact
from anchor.chain.embedded import embedded_logs, embedded_transactions, embedded_web3
from anchor.chain.reverts import decode_revert_data, nonce_clash, revert_data
from anchor.errors import ChainError, ConfigurationError, ContractRevertError, InsufficientFundsError
from anchor.failpoints import AFTER_SEND, crash_point
from anchor.recursion import restore_recursion_limit
from anchor.redact import redact_url, register_secret_url, scrub
from anchor.types import Event, TxReceipt, check_address

log = logging.getLogger(__name__)
restore_recursion_limit()  # web3 and eth_account imported py_ecc, which raised it: see anchor.recursion

#: The EVM hardfork every chain here runs: eth-tester, anvil and the compiler's evmVersion agree,
#: so gas figures are comparable across them.
HARDFORK = "cancun"


@dataclass(frozen=True)
class SignedTx:
    raw: bytes
    tx_hash: bytes
    nonce: int


#: How often a transaction from a local account is signed again when its nonce was taken.
NONCE_ATTEMPTS = 5


class Chain:
    """A connection to an EVM chain. Build one with :meth:`embedded` or :meth:`connect`."""

    def __init__(self, w3: Web3, *, description: str, embedded: bool = False) -> None:
        self._w3 = w3
        self.description = description
        self._embedded = embedded
        self._contracts: dict[tuple[str, str], Contract] = {}

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def embedded(cls) -> Chain:
        """A fresh in-process eth-tester (py-evm) chain, pinned to the project's hardfork."""
        return cls(embedded_web3(), description="embedded eth-tester", embedded=True)

    @classmethod
    def connect(cls, url: str, *, timeout: float = 30.0, probe: bool = True) -> Chain:
        """Connect to a JSON-RPC endpoint over HTTP(S); fails fast if it does not answer (unless `probe`
        is False: one of several endpoints that may be down, asked only when needed).

        The URL may carry a provider's API key: the chain is described, and errors are worded, with its
        scheme and host only (anchor.redact), and the libraries' own logs of it are scrubbed."""
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"RPC URL must start with http:// or https://, got {redact_url(url)!r}")
        register_secret_url(url)
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        chain = cls(w3, description=redact_url(url))
        if probe:
            chain.chain_id  # noqa: B018 - probe the endpoint now, not at the first real call
        return chain

    @property
    def is_embedded(self) -> bool:
        """An in-process chain (not thread-safe; gone with the process)."""
        return self._embedded

    # -- reads ------------------------------------------------------------------------------------

    @cached_property
    def chain_id(self) -> int:
        return int(self._rpc(lambda: self._w3.eth.chain_id, "read the chain id"))

    @property
    def accounts(self) -> list[ChecksumAddress]:
        """Accounts the node manages and signs for (eth-tester and anvil have ten funded ones)."""
        return list(self._rpc(lambda: self._w3.eth.accounts, "list accounts"))

    def block_number(self) -> int:
        return int(self._rpc(lambda: self._w3.eth.block_number, "read the block number"))

    def block_timestamp(self, block: int | str = "latest") -> int:
        ref: Any = block
        return int(self._rpc(lambda: self._w3.eth.get_block(ref)["timestamp"], "read a block"))

    def code_at(self, address: str) -> bytes:
        return bytes(self._rpc(lambda: self._w3.eth.get_code(to_checksum_address(address)), "read code"))

    def logs(self, addresses: str | Sequence[str], from_block: int = 0, to_block: int | str = "latest") -> list[RawLog]:
        """Every log emitted by `addresses` (one or several) in blocks `from_block`..`to_block`, in chain order.

        One ``eth_getLogs`` request on a JSON-RPC node (a public endpoint may refuse a very wide
        range). On the embedded chain the blocks' receipts are read straight from py-evm, because
        eth-tester answers ``eth_getLogs`` by looking each receipt up with a scan of the whole chain.
        """
        wanted = [check_address(a, "a log address") for a in ([addresses] if isinstance(addresses, str) else addresses)]
        if not wanted:
            return []
        last = self.block_number() if to_block == "latest" else int(to_block)
        if from_block > last:
            return []  # nodes refuse an empty range (anvil: BlockOutOfRangeError)
        if self._backend_chain is not None:
            return embedded_logs(self._backend_chain, set(wanted), from_block, min(last, self.block_number()))
        raw = self._rpc(
            lambda: self._w3.eth.get_logs({"address": wanted, "fromBlock": from_block, "toBlock": last}),  # type: ignore[typeddict-item]
            "read logs",
        )
        return [RawLog.from_rpc(entry) for entry in raw]

    def events(self, name: str, address: str, from_block: int = 0, to_block: int | str = "latest") -> list[DecodedLog]:
        """The events of contract `name` at `address`, decoded (see :func:`decode_logs`)."""
        return decode_logs(name, self.logs(address, from_block, to_block))

    def transaction(self, tx_hash: bytes) -> RawTransaction:
        """A mined transaction by hash, with its sender; ChainError if the chain does not know it."""
        found = self._transaction_or_none(tx_hash)
        if found is None:
            raise ChainError(f"{self.description} has no transaction 0x{bytes(tx_hash).hex()}")
        return found

    def _transaction_or_none(self, tx_hash: bytes) -> RawTransaction | None:
        def read() -> Any:
            try:
                return self._w3.eth.get_transaction(HexBytes(tx_hash))
            except TransactionNotFound:
                return None

        raw = self._rpc(read, "read a transaction")
        if raw is None or raw.get("blockNumber") is None:
            return None  # unknown, or still pending
        return RawTransaction(
            tx_hash=bytes(raw["hash"]),
            to=to_checksum_address(raw["to"]) if raw.get("to") else None,
            input=bytes(raw["input"]),
            block_number=int(raw["blockNumber"]),
            sender=to_checksum_address(raw["from"]),
        )

    def transactions(self, blocks: Mapping[bytes, int], *, senders: bool = False) -> dict[bytes, RawTransaction]:
        """The transactions whose hashes are the keys of `blocks` (hash → the block it was mined in, as
        logs tell), by hash. A hash not found in its block is left out.

        `senders=False` leaves `sender` None: on the embedded chain recovering it from the signature
        costs milliseconds a transaction, and a reader of calldata rarely needs it.
        """
        if self._backend_chain is None:
            result = {}
            for tx_hash, block in blocks.items():
                tx = self._transaction_or_none(tx_hash)
                if tx is not None and tx.block_number == block:
                    result[bytes(tx_hash)] = tx if senders else RawTransaction(tx.tx_hash, tx.to, tx.input, block, None)
            return result
        return embedded_transactions(self._backend_chain, blocks, self.block_number(), senders=senders)

    # -- contracts --------------------------------------------------------------------------------

    def contract(self, name: str, address: str) -> Contract:
        check_address(address, f"the {name} address")
        key = (name, to_checksum_address(address))
        if key not in self._contracts:
            self._contracts[key] = self._w3.eth.contract(address=key[1], abi=load_artifact(name).abi)
        return self._contracts[key]

    def deploy(
        self, name: str, args: Sequence[Any] = (), *, sender: str | LocalAccount
    ) -> tuple[ChecksumAddress, TxReceipt]:
        """Deploy the committed artifact `name` from a node-managed account or a local one (signed here,
        as :meth:`transact` does); returns its address and the receipt."""
        if isinstance(sender, str):
            transact = lambda: self._factory(name).constructor(*args).transact({"from": sender})  # noqa: E731
            raw = self._send(transact, name, "constructor")
        else:
            raw = self._send_own(name, "constructor", lambda: self.sign_deployment(name, args, account=sender), sender)
        address = to_checksum_address(raw["contractAddress"])
        tx = bytes(raw["transactionHash"]).hex()
        log.info("deployed %s at %s (chain %s, tx 0x%s)", name, address, self.chain_id, tx)
        return address, self._receipt(raw, self.contract(name, address))

    def call(self, name: str, address: str, function: str, args: Sequence[Any] = ()) -> Any:
        """Call a view function."""
        contract = self.contract(name, address)
        params = self._call_params.copy()
        return self._guard(lambda: contract.functions[function](*args).call(params), name, function)

    def transact(
        self,
        name: str,
        address: str,
        function: str,
        args: Sequence[Any] = (),
        *,
        sender: str | LocalAccount,
        on_sent: Callable[[bytes], None] | None = None,
    ) -> TxReceipt:
        """Send a transaction — from a node-managed account, or signed here by a local account — and
        wait for it to be mined. `on_sent(tx_hash)` runs as soon as the node has accepted it (before
        the receipt: a caller that dies while waiting can find the transaction again by its hash)."""
        contract = self.contract(name, address)
        if not isinstance(sender, str):
            account = sender
            sign = lambda: self.sign(name, address, function, args, account=account)  # noqa: E731
            raw = self._send_own(name, function, sign, sender, on_sent)
        else:
            send = lambda: contract.functions[function](*args).transact({"from": sender})  # noqa: E731
            raw = self._send(send, name, function, on_sent)
        receipt = self._receipt(raw, contract)
        log.info("%s.%s mined: tx 0x%s block %d gas %d (chain %d)", name, function, receipt.tx_hash.hex(),
                 receipt.block_number, receipt.gas_used, self.chain_id)  # fmt: skip
        return receipt

    def _send_own(
        self,
        name: str,
        function: str,
        sign: Callable[[], SignedTx],
        account: LocalAccount,
        on_sent: Callable[[bytes], None] | None = None,
    ) -> Any:
        """Sign (`sign()`: the call or constructor for the account's next nonce, gas and EIP-1559 fees from
        the chain) and send; when another process sending from the same account (the anchoring writer,
        a second API worker) takes that nonce first, sign again for the next one.

        Safe: a refused transaction was never accepted, and one that was in fact mined is found by
        its hash instead of being sent twice.
        """
        attempt = 1
        while True:
            signed = sign()
            try:
                send = partial(self._w3.eth.send_raw_transaction, signed.raw)
                return self._send(send, name, function, on_sent)
            except ChainError as exc:
                if not nonce_clash(exc) or attempt == NONCE_ATTEMPTS:
                    raise
                mined = self._rpc(partial(self._receipt_or_none, HexBytes(signed.tx_hash)), "read a receipt")
            if mined is not None:
                if mined["status"] != 1:
                    raise ContractRevertError("Reverted", {"tx": signed.tx_hash}, contract=name, function=function)
                return mined
            log.info("%s.%s: nonce %d of %s was taken by another transaction; signing again",
                     name, function, signed.nonce, account.address)  # fmt: skip
            attempt += 1

    def send_value(self, sender: str, to: str, wei: int) -> TxReceipt:
        """Send ether from a node-managed account (devchains: funding an issuer's own account)."""
        tx_hash = self._rpc(
            lambda: self._w3.eth.send_transaction({"from": sender, "to": to_checksum_address(to), "value": Wei(wei)}),
            "send ether",
        )
        raw = self._rpc(lambda: self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120), "await a receipt")
        return TxReceipt(bytes(raw["transactionHash"]), int(raw["blockNumber"]), int(raw["gasUsed"]))

    def nonce(self, address: str, block: str = "pending") -> int:
        """The account's transaction count at `block` ("pending": counting what the node holds unmined)."""
        account = to_checksum_address(address)
        return int(self._rpc(lambda: self._w3.eth.get_transaction_count(account, block), "read a nonce"))  # type: ignore[arg-type]

    def sign_deployment(
        self, name: str, args: Sequence[Any], *, account: LocalAccount, nonce: int | None = None
    ) -> SignedTx:
        """A signed deployment of the committed artifact `name` for the account's next nonce (or `nonce`: a
        transaction that replaces one sent before, with the chain's fees of now)."""
        build = lambda params: self._factory(name).constructor(*args).build_transaction(params)  # noqa: E731
        return self._sign_built(build, name, "constructor", account, nonce)

    def _factory(self, name: str) -> Any:
        artifact = load_artifact(name)
        return self._w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)

    def sign(self, name: str, address: str, function: str, args: Sequence[Any], *, account: LocalAccount) -> SignedTx:
        """A signed transaction for the account's next nonce (the caller owns the account's nonces)."""
        return self._sign_built(self._builder(self.contract(name, address), function, args), name, function, account)

    @staticmethod
    def _builder(contract: Contract, function: str, args: Sequence[Any]) -> Callable[[TxParams], TxParams]:
        """`build_transaction` of a call, made lazily (inside _guard, which words an ABI mismatch)."""
        return lambda params: contract.functions[function](*args).build_transaction(params)

    def _sign_built(self, build: Callable[[TxParams], TxParams], name: str, function: str, account: LocalAccount,
                    chosen: int | None = None) -> SignedTx:  # fmt: skip
        nonce = Nonce(self.nonce(account.address) if chosen is None else chosen)
        tx = self._guard(lambda: build({"from": account.address, "nonce": nonce, "chainId": self.chain_id}), name,
                         function)  # fmt: skip
        signed = account.sign_transaction(tx)
        return SignedTx(bytes(signed.raw_transaction), bytes(signed.hash), int(nonce))

    def send_raw(self, raw: bytes, name: str, function: str) -> TxReceipt | None:
        """Send (or send again: idempotent) a signed transaction and wait for its receipt.

        None when the transaction can never be mined — its nonce was used by another transaction.
        """
        tx_hash = HexBytes(keccak(raw))
        try:
            self._rpc(lambda: self._w3.eth.send_raw_transaction(raw), f"send {name}.{function}")
        except ChainError as exc:
            if not nonce_clash(exc) and "already known" not in str(exc).lower():
                raise
            known = self._rpc(lambda: self._receipt_or_none(tx_hash), "read a receipt")
            if known is None:
                return None  # the nonce went to another transaction: this one is void
        crash_point(AFTER_SEND)
        raw_receipt = self._rpc(
            lambda: self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120), "await a receipt"
        )
        if raw_receipt["status"] != 1:
            raise ContractRevertError("Reverted", {"tx": tx_hash}, contract=name, function=function)
        address = raw_receipt["to"] or raw_receipt["contractAddress"]  # a deployment has no `to`
        return self._receipt(raw_receipt, self.contract(name, address))

    def _receipt_or_none(self, tx_hash: HexBytes) -> Any:
        try:
            return self._w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def sent_receipt(self, name: str, address: str, tx_hash: bytes, *, timeout: float = 120) -> TxReceipt | None:
        """The receipt of a transaction sent earlier, found by its hash (its `block_number` is the block
        of this chain that mined it, whatever the EVM's `block.number` said); waits up to `timeout`
        seconds while it is pending. None when the node does not know it (dropped, or never sent) or
        it reverted."""
        if self._rpc(lambda: self._pending_or_mined(HexBytes(tx_hash)), "read a transaction") is None:
            return None
        try:
            raw = self._rpc(
                lambda: self._w3.eth.wait_for_transaction_receipt(HexBytes(tx_hash), timeout=timeout),
                "await a receipt",
            )
        except TimeExhausted as exc:
            raise ChainError(f"{name}: tx 0x{bytes(tx_hash).hex()} not mined within {timeout:g} s") from exc
        return self._receipt(raw, self.contract(name, address)) if raw["status"] == 1 else None

    def _pending_or_mined(self, tx_hash: HexBytes) -> Any:
        try:
            return self._w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return None

    def find_event(self, name: str, address: str, event: str, block: int, **indexed: Any) -> TxReceipt | None:
        """The receipt of the transaction that emitted `event` (with these indexed arguments) in `block`."""
        contract = self.contract(name, address)
        found = self._rpc(
            lambda: contract.events[event]().get_logs(from_block=block, to_block=block, argument_filters=indexed),
            f"read {event} logs",
        )
        if not found:
            return None
        raw = self._rpc(lambda: self._w3.eth.get_transaction_receipt(found[0]["transactionHash"]), "read a receipt")
        return self._receipt(raw, contract)

    # -- devchain controls (eth-tester and anvil both answer these) ---------------------------

    def snapshot(self) -> object:
        """Snapshot the chain state; the id is opaque (an int on eth-tester, hex on anvil)."""
        return self._request("evm_snapshot", [])

    def revert(self, snapshot_id: object) -> None:
        """Return to a snapshot. The snapshot is used up: take a new one to return again."""
        if self._request("evm_revert", [snapshot_id]) is False:
            raise ChainError(f"{self.description} refused to revert to snapshot {snapshot_id}")

    def mine(self) -> None:
        """Mine an empty block (devchains only)."""
        self._request("evm_mine", [])

    def advance_time(self, seconds: int) -> None:
        """Move the chain clock forward by `seconds` and mine a block (devchains only)."""
        if self._embedded:
            self._request("testing_timeTravel", [self.block_timestamp() + seconds])
        else:
            self._request("evm_increaseTime", [seconds])
            self._request("evm_mine", [])

    # -- plumbing ---------------------------------------------------------------------------------

    @cached_property
    def _call_params(self) -> TxParams:
        """eth-tester fills a call's missing `from` with its first account, asking for the account list
        twice a call — most of a view call's time; naming that same account once keeps the result."""
        accounts = self.accounts if self._embedded else []
        return {"from": accounts[0]} if accounts else {}

    @cached_property
    def _backend_chain(self) -> Any:
        """py-evm's chain behind an embedded eth-tester, for reads eth-tester's RPC layer makes slow."""
        tester = getattr(self._w3.provider, "ethereum_tester", None) if self._embedded else None
        return getattr(getattr(tester, "backend", None), "chain", None)

    def _request(self, method: str, params: list[Any]) -> Any:
        response = self._rpc(lambda: self._w3.provider.make_request(method, params), method)  # type: ignore[arg-type]
        if "error" in response:
            raise ChainError(scrub(f"{self.description} failed {method}: {response['error']}"))
        return response["result"]

    def _send(self, send: Any, name: str, function: str, on_sent: Callable[[bytes], None] | None = None) -> Any:
        tx_hash = self._guard(send, name, function)
        if on_sent is not None:
            on_sent(bytes(tx_hash))
        crash_point(AFTER_SEND)
        try:
            raw = self._rpc(lambda: self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120), "await a receipt")
        except TimeExhausted as exc:
            raise ChainError(f"{name}.{function}: tx 0x{bytes(tx_hash).hex()} not mined within 120 s") from exc
        if raw["status"] != 1:
            raise ContractRevertError("Reverted", {"tx": bytes(tx_hash)}, contract=name, function=function)
        return raw

    def _receipt(self, raw: Any, contract: Contract) -> TxReceipt:
        events = []
        for entry in raw["logs"]:
            if entry["topics"] and to_checksum_address(entry["address"]) == contract.address:
                event = self._event_by_topic(contract).get(bytes(entry["topics"][0]))
                if event is not None:
                    decoded = event.process_log(entry)
                    events.append(Event(decoded["event"], dict(decoded["args"]), contract.address))
        return TxReceipt(
            tx_hash=bytes(raw["transactionHash"]),
            block_number=int(raw["blockNumber"]),
            gas_used=int(raw["gasUsed"]),
            events=tuple(events),
        )

    def _event_by_topic(self, contract: Contract) -> dict[bytes, Any]:
        table = {}
        for item in contract.abi:
            if item["type"] == "event":
                table[selector_of(item)] = contract.events[item["name"]]()
        return table

    def _guard(self, action: Any, name: str, function: str) -> Any:
        """Run `action`, translating reverts and transport failures into credanchor errors."""
        from eth_tester.exceptions import TransactionFailed

        restore_recursion_limit()  # the first import of eth_tester loads py-evm, which raises it
        try:
            return self._rpc(action, f"{name}.{function}")
        except (ContractCustomError, ContractLogicError, TransactionFailed) as exc:
            raise self._decode_revert(exc, name, function) from exc

    def _rpc(self, action: Any, what: str) -> Any:
        """Run `action`; transport failures (requests raises OSErrors) become ChainError."""
        try:
            return action()
        except ContractLogicError:
            raise  # a revert, decoded by _guard
        except OSError as exc:
            # The transport's own text quotes the URL's path (where providers put keys): scrubbed, and the
            # raw exception is not chained, so no traceback or log of this error carries it either.
            raise ChainError(f"{self.description} is unreachable ({scrub(str(exc))}): is the chain running?") from None
        except TimeExhausted:
            raise
        except (Web3Exception, ValueError, EthValidationError) as exc:
            # ValueError: an answer that is not JSON-RPC (not a node), or arguments the ABI refuses;
            # EthValidationError: eth-tester refusing a transaction (e.g. a used nonce).
            text = scrub(str(exc))
            if "afford" in text or "insufficient funds" in text.lower():
                raise InsufficientFundsError(
                    f"{self.description}: could not {what}: the sending account has too little ether for the gas; "
                    "fund it (on the devchain: credanchor devchain fund ADDRESS)"
                ) from (exc if text == str(exc) else None)
            raise ChainError(f"{self.description}: could not {what}: {text}") from (exc if text == str(exc) else None)

    def _decode_revert(self, exc: Exception, name: str, function: str) -> ContractRevertError:
        error, arguments = decode_revert_data(revert_data(exc) or b"", fallback=str(exc))
        return ContractRevertError(error, arguments, contract=name, function=function)
