// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title TestToken
/// @notice A plain ERC-20 for local chains (`zkinfer deploy --test-token`) and tests, with a
///         behaviour switch for the awkward tokens an escrow meets: `Standard` returns `true`,
///         `NoReturn` returns nothing (as USDT does), `FeeOnTransfer` burns 1% of every transfer,
///         `ReturnsFalse` moves nothing and returns `false`. Anyone may mint: test money only.
contract TestToken {
    /// @notice How transfers behave.
    enum Mode {
        Standard,
        NoReturn,
        FeeOnTransfer,
        ReturnsFalse
    }

    /// @notice The token's name.
    string public name;
    /// @notice The token's symbol.
    string public symbol;
    /// @notice Decimals (6, as USD stablecoins have).
    uint8 public constant decimals = 6;
    /// @notice The transfer behaviour.
    Mode public immutable mode;
    /// @notice Total supply.
    uint256 public totalSupply;
    /// @notice Balances.
    mapping(address owner => uint256 amount) public balanceOf;
    /// @notice Allowances.
    mapping(address owner => mapping(address spender => uint256 amount)) public allowance;

    /// @notice ERC-20 Transfer.
    /// @param from Sender.
    /// @param to Receiver.
    /// @param value Amount.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval.
    /// @param owner Owner.
    /// @param spender Spender.
    /// @param value Amount.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The balance or allowance does not cover the transfer.
    error Insufficient();

    /// @notice Creates the token.
    /// @param name_ Name.
    /// @param symbol_ Symbol.
    /// @param mode_ Transfer behaviour.
    constructor(string memory name_, string memory symbol_, Mode mode_) {
        name = name_;
        symbol = symbol_;
        mode = mode_;
    }

    /// @notice Creates `amount` tokens for `to`.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Allows `spender` to move `amount` of the caller's tokens.
    /// @param spender Spender.
    /// @param amount Amount.
    /// @return Always true.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves tokens from the caller (see `mode`).
    /// @param to Receiver.
    /// @param amount Amount.
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
        _return();
    }

    /// @notice Moves tokens from `from` with the caller's allowance (see `mode`).
    /// @param from Owner.
    /// @param to Receiver.
    /// @param amount Amount.
    function transferFrom(address from, address to, uint256 amount) external {
        if (mode != Mode.ReturnsFalse) {
            uint256 allowed = allowance[from][msg.sender];
            if (allowed < amount) revert Insufficient();
            allowance[from][msg.sender] = allowed - amount;
        }
        _move(from, to, amount);
        _return();
    }

    /// @dev Moves `amount` (less the fee in `FeeOnTransfer` mode; nothing in `ReturnsFalse` mode).
    function _move(address from, address to, uint256 amount) private {
        if (mode == Mode.ReturnsFalse) return;
        if (balanceOf[from] < amount) revert Insufficient();
        uint256 fee = mode == Mode.FeeOnTransfer ? amount / 100 : 0;
        balanceOf[from] -= amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
        emit Transfer(from, to, amount - fee);
    }

    /// @dev Ends the call with `true`, nothing, or `false`, as the mode says.
    function _return() private view {
        Mode m = mode;
        assembly ("memory-safe") {
            switch m
            case 1 { return(0, 0) }
            case 3 {
                mstore(0, 0)
                return(0, 32)
            }
            default {
                mstore(0, 1)
                return(0, 32)
            }
        }
    }
}
