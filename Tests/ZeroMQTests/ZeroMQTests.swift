import Foundation
import Testing
import TestSupport
@testable import ZeroMQ

@Suite("ZeroMQ wrapper")
struct ZeroMQTests {
    @Test("a multipart message of any size arrives whole, frame by frame")
    func multipartAnySize() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        try pull.bind("ipc://\(dir.path)/big")
        let push = try Socket(ctx, .push)
        try push.connect("ipc://\(dir.path)/big")
        let big = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frames: [[UInt8]] = [[], Array("header".utf8), big, [0]]
        try push.send(frames: frames)
        try pull.setReceiveTimeout(5000)
        let received = try pull.receive()
        #expect(received == frames)
    }

    @Test("receive with dontWait reports would-block as nil, and a receive timeout likewise")
    func wouldBlock() throws {
        let ctx = try Context()
        let pull = try Socket(ctx, .pull)
        try pull.bind("inproc://wouldblock")
        #expect(try pull.receive(dontWait: true) == nil)
        try pull.setReceiveTimeout(20)
        #expect(try pull.receive() == nil)
        #expect(try pull.receiveTimeout == 20)
    }

    @Test("close is idempotent and a closed socket reports an error naming the call")
    func closeIdempotent() throws {
        let ctx = try Context()
        let s = try Socket(ctx, .dealer)
        s.close()
        s.close()
        #expect(s.isClosed)
        do {
            try s.connect("inproc://nowhere")
            Issue.record("connect on a closed socket succeeded")
        } catch {
            #expect(error.function == "zmq_connect")
            #expect(error.errno == ENOTSOCK)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("errors carry errno, the failing function and zmq_strerror")
    func errorsCarryDetails() throws {
        let ctx = try Context()
        let s = try Socket(ctx, .router)
        do {
            try s.bind("nonsense://x")
            Issue.record("bind to a bad endpoint succeeded")
        } catch {
            #expect(error.function == "zmq_bind")
            #expect(error.errno != 0)
            #expect(error.description.contains("zmq_bind failed"))
        }
    }

    @Test("options read back as set")
    func options() throws {
        let ctx = try Context()
        let s = try Socket(ctx, .sub)
        try s.setLinger(250)
        try s.setSendHighWaterMark(7)
        try s.setReceiveHighWaterMark(9)
        try s.setMaxMessageSize(1 << 20)
        try s.setHeartbeat(interval: 1000, timeout: 3000)
        try s.setReconnectInterval(100, max: 1000)
        try s.subscribe("action.")
        try s.unsubscribe("action.")
        #expect(try s.linger == 250)
        #expect(try s.sendHighWaterMark == 7)
        #expect(try s.receiveHighWaterMark == 9)
        #expect(try s.maxMessageSize == 1 << 20)
        let r = try Socket(ctx, .router)
        try r.setRouterMandatory(true)
        try r.bind("inproc://mandatory")
        do {
            try r.send(frames: [Array("nobody".utf8), [1]])
            Issue.record("ROUTER_MANDATORY send to an unknown peer succeeded")
        } catch {
            #expect(error.errno == EHOSTUNREACH)
        }
    }

    @Test("poll wakes on a socket and on a plain file descriptor")
    func pollSocketsAndDescriptors() throws {
        let ctx = try Context()
        let a = try Socket(ctx, .pair)
        let b = try Socket(ctx, .pair)
        try a.bind("inproc://pollpair")
        try b.connect("inproc://pollpair")
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var items = [PollItem(b), PollItem(fileDescriptor: fds[0])]
        #expect(try poll(&items, timeoutMilliseconds: 10) == 0)
        try a.send([1, 2, 3])
        var byte: UInt8 = 7
        _ = write(fds[1], &byte, 1)
        #expect(try poll(&items, timeoutMilliseconds: 1000) == 2)
        #expect(items[0].isReadable)
        #expect(items[1].isReadable)
        #expect(try b.receive() == [[1, 2, 3]])
    }

    @Test("a Poller waits on many sockets at once, says which are readable, and refuses a closed one")
    func pollerManySockets() throws {
        let ctx = try Context()
        var senders: [Socket] = []
        var receivers: [Socket] = []
        for i in 0..<8 {
            let a = try Socket(ctx, .pair)
            let b = try Socket(ctx, .pair)
            try a.bind("inproc://poller\(i)")
            try b.connect("inproc://poller\(i)")
            senders.append(a)
            receivers.append(b)
        }
        let poller = try Poller(receivers)
        #expect(try poller.wait(timeoutMilliseconds: 10) == 0)
        try senders[2].send([2])
        try senders[5].send([5])
        // The same items again: no rebuilding between waits.
        var seen: Set<Int> = []
        while seen.count < 2 {
            try poller.wait(timeoutMilliseconds: 1000)
            for i in 0..<poller.count where poller.isReadable(i) {
                #expect(try receivers[i].receive(dontWait: true) == [[UInt8(i)]])
                seen.insert(i)
            }
        }
        #expect(seen == [2, 5])
        #expect(try poller.wait(timeoutMilliseconds: 10) == 0)
        receivers[3].close()
        #expect(throws: ZMQError.self) { try poller.wait(timeoutMilliseconds: 10) }
    }

    @Test("every socket type can be made, and REQ/REP, PUB/SUB and DEALER/ROUTER talk")
    func socketTypes() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let ctx = try Context()
        for type in SocketType.allCases { _ = try Socket(ctx, type) }
        let rep = try Socket(ctx, .rep)
        try rep.bind("ipc://\(dir.path)/rr")
        let req = try Socket(ctx, .req)
        try req.connect("ipc://\(dir.path)/rr")
        try req.send(Array("ping".utf8))
        try rep.setReceiveTimeout(5000)
        #expect(try rep.receive() == [Array("ping".utf8)])
        try rep.send(Array("pong".utf8))
        try req.setReceiveTimeout(5000)
        #expect(try req.receive() == [Array("pong".utf8)])

        let router = try Socket(ctx, .router)
        try router.bind("ipc://\(dir.path)/dr")
        let dealer = try Socket(ctx, .dealer)
        try dealer.connect("ipc://\(dir.path)/dr")
        try dealer.send(frames: [[], [9]])
        try router.setReceiveTimeout(5000)
        let got = try #require(try router.receive())
        #expect(got.count == 3 && got[1].isEmpty && got[2] == [9])
        try router.send(frames: got)
        try dealer.setReceiveTimeout(5000)
        #expect(try dealer.receive() == [[], [9]])
    }

    @Test("shutting down the context wakes a blocked receive on another thread; nothing hangs")
    func shutdownNeverHangs() throws {
        let ctx = try Context()
        let bound = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let made = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            guard let s = try? Socket(ctx, .pull) else { bound.signal(); return }  // reported below: `made` not signalled
            made.signal()
            try? s.bind("inproc://blocked")
            bound.signal()
            do { _ = try s.receive() } catch { _ = error }
            s.close()
        }
        thread.start()
        // Shut down once the socket exists; a receive that starts after this returns at once too.
        #expect(bound.wait(timeout: .now() + 10) == .success)
        try #require(made.wait(timeout: .now()) == .success, "the PULL socket could not be made, so no receive was blocked")
        ctx.shutdown()
        #expect(finished.wait(timeout: .now() + 10) == .success)
    }
}
